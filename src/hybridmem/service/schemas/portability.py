"""Bodies of the export and import routes."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hybridmem.domain.portability import ImportReport


class ImportReportOut(BaseModel):
    """What an import did, per section: records added, and records the account had
    already (left as they were). ``jobs``: deliveries and indexing enqueued."""

    added: dict[str, int] = Field(examples=[{"sessions": 2, "messages": 40, "facts": 7}])
    present: dict[str, int]
    jobs: int

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        """From the application's report."""
        return cls(added=dict(report.added), present=dict(report.present), jobs=report.jobs)
