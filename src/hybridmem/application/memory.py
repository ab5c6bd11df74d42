"""Memory use cases: record messages, extract facts in the background, read memory back."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from hybridmem.domain.accounts import validate_id
from hybridmem.domain.display import describe
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import (
    Fact,
    FactCandidate,
    FactSource,
    make_candidate,
    normalize_labelled,
)
from hybridmem.domain.graph import (
    GraphUpdate,
    facts_to_graph,
    graph_update,
)
from hybridmem.domain.jobs import Job, NewJob
from hybridmem.domain.keys import composite_key
from hybridmem.domain.messages import Message, NewMessage, Role
from hybridmem.domain.moments import require_moment
from hybridmem.domain.pagination import Page
from hybridmem.domain.recall import assemble, item_from_fact, item_from_message
from hybridmem.domain.retrieval import (
    FactEvent,
    GraphView,
)
from hybridmem.domain.router import plan_write
from hybridmem.domain.temporal import TemporalPlan, plan_temporal_update
from hybridmem.ports.accounts import SessionRepository
from hybridmem.ports.memory import FactMemory, GraphMemory
from hybridmem.ports.messages import ChatHistory, MessageIndex, MessageJournal
from hybridmem.ports.outbox import Outbox
from hybridmem.ports.system import Clock, Ids

log = logging.getLogger(__name__)

EXTRACT_JOB = "memory.extract"
INDEX_JOB = "memory.index"


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message as a client sends it."""

    role: Role
    content: str
    message_id: str | None = None
    name: str | None = None
    occurred_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MemoryView:
    """Everything remembered about a user (and a session's recent messages)."""

    facts: tuple[Fact, ...]
    graph: GraphView
    messages: tuple[Message, ...]
    context: str


class MemoryService:
    """Records messages (with extraction jobs) and answers memory reads."""

    def __init__(
        self,
        *,
        journal: MessageJournal,
        history: ChatHistory,
        outbox: Outbox,
        sessions: SessionRepository,
        facts: FactMemory,
        graph: GraphMemory,
        ids: Ids,
        clock: Clock,
        context_budget_tokens: int = 1200,
        extraction_jobs: Sequence[str] = (EXTRACT_JOB,),
        delivery_jobs: Sequence[str] = (),
        episode_jobs: Sequence[str] = (),
        message_index: MessageIndex | None = None,
        on_jobs_enqueued: Callable[[], None] | None = None,
    ) -> None:
        self._journal = journal
        self._outbox = outbox
        self._history = history
        self._sessions = sessions
        self._facts = facts
        self._graph = graph
        self._ids = ids
        self._clock = clock
        self._context_budget = context_budget_tokens
        self._extraction_jobs = tuple(extraction_jobs)
        self._delivery_jobs = tuple(delivery_jobs)
        self._episode_jobs = tuple(episode_jobs)
        self._message_index = message_index
        self._on_jobs_enqueued = on_jobs_enqueued or (lambda: None)

    def notify_jobs(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after enqueueing jobs (wakes an in-process worker)."""
        self._on_jobs_enqueued = callback

    # --- writing -----------------------------------------------------------------------

    async def add_messages(
        self, user_id: str, session_id: str, messages: Sequence[IncomingMessage]
    ) -> list[Message]:
        """Record messages and enqueue extraction for those worth remembering.

        Messages and jobs commit together, so memory is never lost, only delayed; a
        retried call with the same message ids changes nothing.
        """
        validate_id(session_id, kind="session_id")
        prepared: list[NewMessage] = []
        jobs: list[NewJob] = []
        for incoming in messages:
            message_id = (
                validate_id(incoming.message_id, kind="message_id")
                if incoming.message_id
                else self._ids.new_id("msg_")
            )
            occurred_at = require_moment(
                incoming.occurred_at or self._clock.now(), field_name="occurred_at"
            )
            prepared.append(
                NewMessage(
                    message_id=message_id,
                    role=incoming.role,
                    content=incoming.content,
                    name=incoming.name,
                    occurred_at=occurred_at,
                    metadata=dict(incoming.metadata),
                )
            )
            jobs += [
                NewJob(
                    kind=kind,
                    user_id=user_id,
                    idempotency_key=composite_key(kind, user_id, message_id),
                    payload={
                        "session_id": session_id,
                        "message_id": message_id,
                        "role": incoming.role.value,
                        "name": incoming.name,
                        "content": incoming.content,
                        "occurred_at": occurred_at.isoformat(),
                        "metadata": dict(incoming.metadata),
                    },
                )
                for kind in self._delivery_jobs
            ]
            if plan_write(incoming.content, incoming.role).extract:
                payload = {
                    "session_id": session_id,
                    "message_id": message_id,
                    "content": incoming.content,
                    "occurred_at": occurred_at.isoformat(),
                }
                jobs += [
                    NewJob(
                        kind=kind,
                        user_id=user_id,
                        idempotency_key=composite_key(kind, user_id, message_id),
                        payload=payload,
                    )
                    for kind in self._extraction_jobs
                ]
        stored = await self._journal.record(user_id, session_id, prepared, jobs)
        if jobs:
            self._on_jobs_enqueued()
        return list(stored)

    async def handle_extraction(self, job: Job) -> None:
        """Job handler: rule extraction → temporal rules → fact memory and graph."""
        payload = job.payload
        try:
            occurred_at = datetime.fromisoformat(str(payload["occurred_at"]))
            candidates = extract_facts(
                str(payload["content"]),
                message_id=str(payload["message_id"]),
                observed_at=occurred_at,
            )
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"malformed extraction job: {exc}") from exc
        await self.remember(job.user_id, candidates, stated_at=occurred_at)

    async def handle_indexing(self, job: Job) -> None:
        """Job handler: embed one message for semantic search (off the request path)."""
        if self._message_index is None:
            return
        try:
            pair = (str(job.payload["message_id"]), str(job.payload["content"]))
        except KeyError as exc:
            raise InvalidInput(f"malformed indexing job: {exc}") from exc
        await self._message_index.index(job.user_id, [pair])

    async def remember(
        self,
        user_id: str,
        candidates: Sequence[FactCandidate],
        *,
        stated_at: datetime | None = None,
    ) -> TemporalPlan:
        """Apply candidate facts (said at ``stated_at``) to both memories (idempotent: safe
        to retry)."""
        if not candidates:
            return TemporalPlan(())
        existing = await self._facts.current(user_id, {c.attribute for c in candidates})
        plan = plan_temporal_update(
            existing,
            candidates,
            user_id=user_id,
            new_id=lambda: self._ids.new_id("fct_"),
            stated_at=stated_at,
        )
        await self._facts.apply(user_id, plan)
        await self._graph.apply(user_id, _graph_update_for(plan))
        return plan

    async def add_data(
        self,
        user_id: str,
        data: str | Mapping[str, Any],
        *,
        occurred_at: datetime | None = None,
        episode_id: str | None = None,
    ) -> TemporalPlan:
        """Business data into the user's memory (Zep's graph.add): text goes through the
        rule extractor; JSON key/value pairs are labelled facts for the normalizer."""
        when = require_moment(occurred_at or self._clock.now(), field_name="occurred_at")
        episode = episode_id or self._ids.new_id("ep_")
        if self._episode_jobs:
            content = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
            await self._outbox.enqueue(
                [
                    NewJob(
                        kind=kind,
                        user_id=user_id,
                        idempotency_key=composite_key(kind, user_id, episode),
                        payload={
                            "episode_id": episode,
                            "kind": "text" if isinstance(data, str) else "json",
                            "content": content,
                            "occurred_at": when.isoformat(),
                            "source_description": "business data",
                        },
                    )
                    for kind in self._episode_jobs
                ]
            )
            self._on_jobs_enqueued()
        if isinstance(data, str):
            candidates = extract_facts(data, message_id=episode, observed_at=when)
        else:
            candidates = [
                normalize_labelled(
                    key,
                    value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
                    observed_at=when,
                    message_id=episode,
                    source=FactSource.USER,
                    confidence=1.0,
                )
                for key, value in _flatten(data)
            ]
        return await self.remember(user_id, candidates)

    # --- reading -----------------------------------------------------------------------

    async def history(
        self, user_id: str, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[Message]:
        """A session's messages, oldest first; NotFound for a session the user lacks."""
        await self._sessions.get(user_id, session_id)
        return await self._history.list(user_id, session_id, limit=limit, cursor=cursor)

    async def recent(self, user_id: str, session_id: str, limit: int) -> Sequence[Message]:
        """The last ``limit`` messages of the session, oldest first."""
        return await self._history.recent(user_id, session_id, limit)

    async def view(self, user_id: str, *, session_id: str | None, recent: int = 6) -> MemoryView:
        """Facts (current and past), the graph, recent messages and a context string."""
        if session_id is not None:
            await self._sessions.get(user_id, session_id)
        page = await self._facts.list(user_id, limit=500, cursor=None, include_invalidated=True)
        graph = await self._graph.view(user_id, as_of=None, include_invalidated=True)
        messages = await self._history.recent(user_id, session_id, recent) if session_id else []
        # Current facts first, newest first within each group, then the session's messages.
        ordered = sorted(page.items, key=lambda f: (not f.is_current, -f.valid_from.timestamp()))
        items = [item_from_fact(fact) for fact in ordered]
        items += [item_from_message(message) for message in messages]
        context = assemble(items, budget_tokens=self._context_budget)
        return MemoryView(
            facts=tuple(page.items),
            graph=graph,
            messages=tuple(messages),
            context=context.text,
        )

    async def graph(
        self, user_id: str, *, as_of: datetime | None, include_invalidated: bool
    ) -> GraphView:
        """The user's graph (valid now, as of a time, or all with validity)."""
        return await self._graph.view(user_id, as_of=as_of, include_invalidated=include_invalidated)

    # --- single facts ------------------------------------------------------------------

    async def fact(self, user_id: str, fact_id: str) -> Fact:
        """One fact."""
        return await self._facts.get(user_id, fact_id)

    async def facts(
        self, user_id: str, *, limit: int, cursor: str | None, include_invalidated: bool
    ) -> Page[Fact]:
        """A page of facts, newest first."""
        return await self._facts.list(
            user_id, limit=limit, cursor=cursor, include_invalidated=include_invalidated
        )

    async def correct_fact(
        self, user_id: str, fact_id: str, *, value: str | None, text: str | None
    ) -> Fact:
        """The user corrects a fact: the value is normalized like any other."""
        current = await self._facts.get(user_id, fact_id)
        new_value = current.value
        if value is not None:
            candidate = make_candidate(
                current.attribute,
                value,
                observed_at=current.valid_from,
                qualifier=current.qualifier,
            )
            if candidate is None:
                raise InvalidInput("the value has nothing usable", details={"field": "value"})
            new_value = candidate.value
        new_text = text or (
            describe(current.attribute, new_value, current.qualifier)
            if value is not None
            else current.text
        )
        corrected = replace(
            current, value=new_value, text=new_text, source=FactSource.USER, confidence=1.0
        )
        return await self._facts.update(user_id, corrected, reason="corrected by the user")

    async def forget_fact(self, user_id: str, fact_id: str) -> None:
        """Delete one fact (its history keeps a DELETE event)."""
        await self._facts.delete(user_id, fact_id, reason="deleted by the user")

    async def fact_history(self, user_id: str, fact_id: str) -> Sequence[FactEvent]:
        """What happened to a fact."""
        return await self._facts.history(user_id, fact_id)


def _graph_update_for(plan: TemporalPlan) -> GraphUpdate:
    # Mirror every fact the plan touched, not only the new ones: relation inserts are
    # idempotent, so a retried job still repairs a graph write that failed after the fact
    # write succeeded (the retry sees "confirm" decisions, which alone add nothing).
    touched = facts_to_graph(decision.fact for decision in plan.decisions)
    invalidations = graph_update(plan.decisions).invalidated
    return GraphUpdate(touched.entities, touched.added, invalidations)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        label = f"{prefix} {key}".strip()
        if isinstance(value, Mapping):
            pairs += _flatten(value, label)
        elif isinstance(value, list):
            pairs += [(label, item) for item in value if item is not None and item != ""]
        elif value is not None and value != "":
            pairs.append((label, value))
    return pairs
