"""Export and import of one user's memory: the use cases behind
``GET /api/users/me/export``, ``POST /api/users/me/import`` and the CLI."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from hybridmem.application.worker import JobBell
from hybridmem.domain.jobs import JobKind, JobRouting, MessageJob, NewJob, ProviderJob
from hybridmem.domain.messages import NewMessage, Role
from hybridmem.domain.portability import (
    SECTIONS,
    ArchiveDocument,
    ImportReport,
    InvalidDocument,
    ProfileRecord,
    document_header,
    rehome,
)
from hybridmem.domain.portability_parsing import parse_document
from hybridmem.domain.replies import is_degenerate_message
from hybridmem.ports.portability import ArchiveItem, MemoryArchive
from hybridmem.ports.system import Clock

#: Bytes gathered before a chunk of the export is handed to the response.
CHUNK_BYTES = 64 * 1024


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def read_json(body: bytes) -> Any:
    """The JSON value of an uploaded document, or ``InvalidDocument`` (path ``$``)."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidDocument(
            f"the document is not valid JSON: {exc}", details={"path": "$", "rule": "json"}
        ) from None
    except RecursionError:
        raise InvalidDocument(
            "the document nests too deeply", details={"path": "$", "rule": "depth"}
        ) from None


class PortabilityService:
    """Streams a user's memory out as one JSON document and applies one back in."""

    def __init__(
        self,
        *,
        archive: MemoryArchive,
        routing: JobRouting,
        clock: Clock,
        bell: JobBell | None = None,
        page_size: int = 500,
    ) -> None:
        self._archive = archive
        self._routing = routing
        self._clock = clock
        self._bell = bell or JobBell()
        self._page_size = page_size

    async def export(self, user_id: str) -> AsyncIterator[bytes]:
        """The document as UTF-8 chunks. The snapshot is opened (and an unknown user
        refused) before this returns, so errors come before the first byte."""
        items = self._archive.export(user_id, page_size=self._page_size)
        try:
            first = await anext(items)
        except BaseException:
            await items.aclose()
            raise
        assert isinstance(first, ProfileRecord)
        return self._chunks(first, items)

    async def _chunks(
        self, profile: ProfileRecord, items: AsyncGenerator[ArchiveItem, None]
    ) -> AsyncIterator[bytes]:
        header = _dumps(document_header(profile, self._clock.now()))
        parts: list[str] = [header[:-1]]  # the header object, left open for the sections
        size = len(parts[0])
        opened: list[str] = []
        try:
            async for item in items:
                assert isinstance(item, tuple)
                section, record = item
                text = _dumps(record.to_json())
                if opened and opened[-1] == section:
                    text = "," + text
                else:
                    text = self._open(opened, section) + text
                parts.append(text)
                size += len(text)
                if size >= CHUNK_BYTES:
                    yield "".join(parts).encode()
                    parts, size = [], 0
        finally:
            await items.aclose()
        parts.append(self._open(opened, None) + "}")
        yield "".join(parts).encode()

    @staticmethod
    def _open(opened: list[str], section: str | None) -> str:
        """Close the sections before ``section`` (empty ones included) and open it."""
        text = "]" if opened else ""
        start = SECTIONS.index(opened[-1]) + 1 if opened else 0
        stop = SECTIONS.index(section) if section is not None else len(SECTIONS)
        for skipped in SECTIONS[start:stop]:
            text += f',"{skipped}":[]'
        if section is not None:
            text += f',"{section}":['
            opened.append(section)
        return text

    async def export_document(self, user_id: str) -> ArchiveDocument:
        """The whole export parsed back (small accounts, tests, the library)."""
        body = b"".join([chunk async for chunk in await self.export(user_id)])
        return parse_document(read_json(body))

    async def import_document(self, user_id: str, data: Any) -> ImportReport:
        """Validate a document (bytes or a parsed JSON value), move it to ``user_id`` and
        apply it in one transaction; idempotent. Imported messages get the jobs every
        written message gets (provider delivery, indexing); they are not extracted again,
        as their facts come with the document. A changed profile is synced to the
        providers that keep a copy of the user."""
        document = parse_document(read_json(data) if isinstance(data, bytes) else data)
        rehomed = rehome(document, user_id)
        report = await self._archive.restore(
            user_id,
            rehomed,
            original_owner=document.owner,
            message_jobs=self._message_jobs(user_id, rehomed),
            # a changed profile reaches the providers that keep a copy of the user, as
            # a profile edit does; one sync per imported document
            profile_jobs=[
                ProviderJob(provider).job(
                    JobKind.SYNC_USER, user_id, occasion=f"import:{document.exported_at}"
                )
                for provider in self._routing.providers
            ],
        )
        if report.jobs:
            self._bell.ring()
        return report

    def _message_jobs(self, user_id: str, document: ArchiveDocument) -> dict[str, list[NewJob]]:
        jobs: dict[str, list[NewJob]] = {}
        if not self._routing.every_message:
            return jobs
        deleted = {s.session_id for s in document.sessions if s.deleted_at is not None}
        for message in document.messages:
            # deleted and replaced (degenerate) messages are never memory
            if (
                message.deleted_at is not None
                or message.session_id in deleted
                or is_degenerate_message(message.metadata)
            ):
                continue
            payload = MessageJob(
                message.session_id,
                NewMessage(
                    message_id=message.message_id,
                    role=Role(message.role),
                    content=message.content,
                    name=message.name,
                    occurred_at=message.occurred_at,
                    metadata=dict(message.metadata),
                ),
            )
            jobs[message.message_id] = [
                payload.job(kind, user_id) for kind in self._routing.every_message
            ]
        return jobs
