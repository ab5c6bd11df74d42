"""Memory use cases: record messages, extract facts in the background, read memory back."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from hybridmem.domain.accounts import validate_id
from hybridmem.domain.context import (
    AssembledContext,
    ContextItem,
    assemble_context,
    item_from_fact,
    item_from_message,
    item_from_relation,
)
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import (
    Fact,
    FactCandidate,
    FactSource,
    describe,
    make_candidate,
    normalize_labelled,
)
from hybridmem.domain.graph import (
    RELATION_FOR_ATTRIBUTE,
    GraphUpdate,
    facts_to_graph,
    graph_update,
)
from hybridmem.domain.jobs import Job, NewJob
from hybridmem.domain.messages import Message, NewMessage, Role
from hybridmem.domain.pagination import Page
from hybridmem.domain.replies import is_degenerate_message, is_memory_source
from hybridmem.domain.retrieval import (
    FactEvent,
    FactQuery,
    GraphView,
    MemoryItem,
    MemoryKind,
    RelationQuery,
    ScoredFact,
    ScoredMessage,
    ScoredRelation,
)
from hybridmem.domain.router import Intent, MemorySource, ReadPlan, plan_read, plan_write
from hybridmem.domain.temporal import TemporalPlan, plan_temporal_update
from hybridmem.ports.accounts import SessionRepository
from hybridmem.ports.memory import FactMemory, GraphMemory
from hybridmem.ports.messages import ChatHistory, MessageIndex, MessageJournal
from hybridmem.ports.outbox import Outbox
from hybridmem.ports.system import Clock, Ids

log = logging.getLogger(__name__)

EXTRACT_JOB = "memory.extract"
INDEX_JOB = "memory.index"
# The usual reciprocal-rank-fusion constant: damps the head of each ranking so that one
# source's first hit does not drown the others.
_RRF_K = 60
_EPISODE_LIMIT = 5
T = TypeVar("T")


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
class Recall:
    """What memory gave for one query: the items, the context, and what was skipped."""

    plan: ReadPlan
    facts: tuple[ScoredFact, ...]
    relations: tuple[ScoredRelation, ...]
    messages: tuple[Message, ...]
    context: AssembledContext
    sources_skipped: tuple[str, ...]
    timings_ms: Mapping[str, float]

    @property
    def facts_used(self) -> tuple[ScoredFact, ...]:
        """The facts that made it into the context."""
        used = {item.item_id for item in self.context.used}
        return tuple(f for f in self.facts if f"fact:{f.fact.fact_id}" in used)

    @property
    def relations_used(self) -> tuple[ScoredRelation, ...]:
        """The relations that made it into the context."""
        used = {item.item_id for item in self.context.used}
        return tuple(r for r in self.relations if f"relation:{r.relation.relation_id}" in used)


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
        source_timeout: float = 2.0,
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
        self._source_timeout = source_timeout
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
            occurred_at = incoming.occurred_at or self._clock.now()
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
            # a replaced (degenerate) reply is kept for the record only: no provider
            # receives it and it is not indexed, so it never becomes memory
            deliveries = () if is_degenerate_message(incoming.metadata) else self._delivery_jobs
            jobs += [
                NewJob(
                    kind=kind,
                    user_id=user_id,
                    idempotency_key=f"{kind}:{user_id}:{message_id}",
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
                for kind in deliveries
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
                        idempotency_key=f"{kind}:{user_id}:{message_id}",
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
        await self.remember(job.user_id, candidates)

    async def handle_indexing(self, job: Job) -> None:
        """Job handler: embed one message for semantic search (off the request path)."""
        if self._message_index is None:
            return
        try:
            pair = (str(job.payload["message_id"]), str(job.payload["content"]))
        except KeyError as exc:
            raise InvalidInput(f"malformed indexing job: {exc}") from exc
        await self._message_index.index(job.user_id, [pair])

    async def remember(self, user_id: str, candidates: Sequence[FactCandidate]) -> TemporalPlan:
        """Apply candidate facts to both memories (idempotent: safe to retry)."""
        if not candidates:
            return TemporalPlan(())
        existing = await self._facts.current(user_id, {c.attribute for c in candidates})
        plan = plan_temporal_update(
            existing, candidates, user_id=user_id, new_id=lambda: self._ids.new_id("fct_")
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
        when = occurred_at or self._clock.now()
        episode = episode_id or self._ids.new_id("ep_")
        if self._episode_jobs:
            content = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
            await self._outbox.enqueue(
                [
                    NewJob(
                        kind=kind,
                        user_id=user_id,
                        idempotency_key=f"{kind}:{user_id}:{episode}",
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

    async def search(
        self, user_id: str, query: str, *, limit: int
    ) -> tuple[ReadPlan, list[ScoredFact]]:
        """Facts ranked for a question; temporal questions include past facts."""
        plan = plan_read(query)
        found = await self._facts.search(
            user_id,
            FactQuery(
                text=query,
                limit=limit,
                attributes=plan.attributes,
                include_invalidated=plan.include_invalidated,
            ),
        )
        return plan, list(found)

    async def retrieve(self, user_id: str, query: str, *, limit: int) -> list[MemoryItem]:
        """One ranked list over every memory — facts, graph relations, past messages —
        each item with the message ids it derives from.

        The three rankings are fused by reciprocal rank (their scores are not on one
        scale); a relation that only mirrors a retrieved fact adds nothing and is dropped.
        """
        plan = plan_read(query)
        relation_types = tuple(RELATION_FOR_ATTRIBUTE[a][0] for a in plan.attributes)
        pool = max(limit, 10)
        facts, relations, messages = await asyncio.gather(
            self._facts.search(
                user_id,
                FactQuery(
                    text=query, limit=pool, attributes=plan.attributes, include_invalidated=True
                ),
            ),
            self._graph.search(
                user_id,
                RelationQuery(
                    text=query,
                    limit=pool,
                    relation_types=relation_types,
                    include_invalidated=True,
                ),
            ),
            self._history.search(user_id, query, limit=pool),
        )
        fused: dict[str, tuple[float, MemoryItem]] = {}

        def add(rank: int, item: MemoryItem) -> None:
            bonus = 1.0 / (_RRF_K + rank)
            previous = fused.get(item.item_id)
            fused[item.item_id] = ((previous[0] if previous else 0.0) + bonus, item)

        fact_texts = set()
        for rank, hit in enumerate(facts):
            fact_texts.add(hit.fact.text)
            add(
                rank,
                MemoryItem(
                    kind=MemoryKind.FACT,
                    item_id=f"fact:{hit.fact.fact_id}",
                    text=hit.fact.text,
                    score=hit.score,
                    provenance=hit.fact.provenance,
                    occurred_at=hit.fact.valid_from,
                ),
            )
        for rank, found in enumerate(relations):
            if found.relation.fact in fact_texts:
                continue
            add(
                rank,
                MemoryItem(
                    kind=MemoryKind.RELATION,
                    item_id=f"relation:{found.relation.relation_id}",
                    text=found.relation.fact,
                    score=found.score,
                    provenance=(found.relation.episode_id,) if found.relation.episode_id else (),
                    occurred_at=found.relation.valid_at,
                ),
            )
        for rank, said in enumerate(m for m in messages if is_memory_source(m.message)):
            add(
                rank,
                MemoryItem(
                    kind=MemoryKind.MESSAGE,
                    item_id=f"message:{said.message.message_id}",
                    text=said.message.content,
                    score=said.score,
                    provenance=(said.message.message_id,),
                    occurred_at=said.message.occurred_at,
                ),
            )
        ranked = sorted(fused.values(), key=lambda pair: (-pair[0], pair[1].item_id))
        return [replace(item, score=round(score, 6)) for score, item in ranked[:limit]]

    async def recall(
        self,
        user_id: str,
        query: str,
        *,
        session_id: str | None = None,
        budget_tokens: int | None = None,
    ) -> Recall:
        """Read what the router plans, concurrently, each source under its own timeout.

        A source that fails or times out is skipped (and named), never fatal.
        """
        plan = plan_read(query)
        timings: dict[str, float] = {}
        skipped: list[str] = []
        relation_types = tuple(RELATION_FOR_ATTRIBUTE[a][0] for a in plan.attributes)

        async def facts() -> Sequence[ScoredFact]:
            return await self._facts.search(
                user_id,
                FactQuery(
                    text=query,
                    limit=plan.limit_for(MemorySource.FACTS),
                    attributes=plan.attributes,
                    include_invalidated=plan.include_invalidated,
                ),
            )

        async def relations() -> Sequence[ScoredRelation]:
            return await self._graph.search(
                user_id,
                RelationQuery(
                    text=query,
                    limit=plan.limit_for(MemorySource.GRAPH),
                    relation_types=relation_types,
                    include_invalidated=plan.include_invalidated,
                ),
            )

        async def recent() -> Sequence[Message]:
            if session_id is None:
                return []
            return await self._history.recent(
                user_id, session_id, plan.limit_for(MemorySource.RECENT_MESSAGES)
            )

        async def episodes() -> Sequence[ScoredMessage]:
            # What was said before, in any session: events and details that no fact
            # captures ("what did I do last weekend?").
            return await self._history.search(user_id, query, limit=_EPISODE_LIMIT)

        async def timed(name: str, read: Callable[[], Awaitable[Sequence[T]]]) -> Sequence[T]:
            started = asyncio.get_running_loop().time()
            try:
                return await asyncio.wait_for(read(), timeout=self._source_timeout)
            except Exception as exc:
                log.warning("memory source %s skipped: %s", name, type(exc).__name__)
                skipped.append(name)
                return []
            finally:
                timings[name] = round((asyncio.get_running_loop().time() - started) * 1000, 2)

        sources = plan.sources
        wants_episodes = plan.intent is not Intent.CHIT_CHAT
        fact_rows, relation_rows, messages, earlier = await asyncio.gather(
            timed("facts", facts) if MemorySource.FACTS in sources else _nothing(),
            timed("graph", relations) if MemorySource.GRAPH in sources else _nothing(),
            timed("history", recent) if MemorySource.RECENT_MESSAGES in sources else _nothing(),
            timed("episodes", episodes) if wants_episodes else _nothing(),
        )
        items: list[ContextItem] = [item_from_fact(f.fact, score=f.score) for f in fact_rows]
        items += [item_from_relation(r.relation, score=r.score) for r in relation_rows]
        messages = [m for m in messages if is_memory_source(m)]
        items += [item_from_message(m, score=0.0) for m in messages]
        recent_ids = {m.message_id for m in messages}
        items += [
            item_from_message(e.message, score=e.score * 0.5)
            for e in earlier
            if e.message.message_id not in recent_ids and is_memory_source(e.message)
        ]
        context = assemble_context(items, budget_tokens=budget_tokens or self._context_budget)
        return Recall(
            plan=plan,
            facts=tuple(fact_rows),
            relations=tuple(relation_rows),
            messages=tuple(messages),
            context=context,
            sources_skipped=tuple(sorted(skipped)),
            timings_ms=timings,
        )

    async def view(self, user_id: str, *, session_id: str | None, recent: int = 6) -> MemoryView:
        """Facts (current and past), the graph, recent messages and a context string."""
        if session_id is not None:
            await self._sessions.get(user_id, session_id)
        page = await self._facts.list(user_id, limit=500, cursor=None, include_invalidated=True)
        graph = await self._graph.view(user_id, as_of=None, include_invalidated=True)
        messages = await self._history.recent(user_id, session_id, recent) if session_id else []
        items = [item_from_fact(f, score=1.0 if f.is_current else 0.5) for f in page.items]
        items += [item_from_message(m, score=0.0) for m in messages if is_memory_source(m)]
        context = assemble_context(items, budget_tokens=self._context_budget)
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


async def _nothing() -> list[Any]:
    return []


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
