"""Export and import of one user's memory (data portability)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Protocol

from hybridmem.domain.jobs import NewJob
from hybridmem.domain.portability import ArchiveDocument, ImportReport, ProfileRecord, Record

#: What ``MemoryArchive.export`` yields: the profile first, then ``(section, record)``.
ArchiveItem = ProfileRecord | tuple[str, Record]


class MemoryArchive(Protocol):
    """Reads and writes a user's whole memory as export records.

    Contract:
    - ``export`` yields the user's profile, then the records of each section in the
      order of ``domain.portability.SECTIONS``, each section in a stable order (sessions
      by creation, messages in history order, facts by creation, fact events oldest
      first, entities and relations by creation). Every record comes from one
      consistent snapshot, read in pages of ``page_size``: the whole export is never
      held in memory. An unknown user raises ``NotFound`` before anything is yielded.
    - ``restore`` applies a document (already validated and rehomed to ``user_id``) in
      one transaction: all of it or nothing. Records whose id the user already has are
      left as they are (counted as present), so applying the same document twice changes
      nothing the second time; a fact's history events are added only when the user has
      no history for that fact yet. Profile names and about are set from the document
      when it has them, its metadata keys merged in. The jobs in ``message_jobs`` are
      enqueued, in the same transaction, for the messages actually added, and
      ``profile_jobs`` when the profile actually changed.
    - ``restore`` raises ``ForeignAccount`` (and applies nothing) when the document's
      owner is another existing account, ``NotFound`` when ``user_id`` does not exist.
    - Exporting after restoring gives back the document's records.
    """

    def export(self, user_id: str, *, page_size: int = 500) -> AsyncGenerator[ArchiveItem, None]:
        """The user's profile and records, streamed from one snapshot."""
        ...

    async def restore(
        self,
        user_id: str,
        document: ArchiveDocument,
        *,
        original_owner: str,
        message_jobs: Mapping[str, Sequence[NewJob]],
        profile_jobs: Sequence[NewJob] = (),
    ) -> ImportReport:
        """Apply a document in one transaction; ``original_owner`` is the user id it was
        exported from (checked against existing accounts)."""
        ...
