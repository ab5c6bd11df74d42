"""Recall: the one read pipeline. Chat, search, the agent's tools, the library and the
retrieval benchmark all call :meth:`RecallService.recall` and get the same items."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from hybridmem.domain.graph import RELATION_FOR_ATTRIBUTE
from hybridmem.domain.recall import (
    AssembledContext,
    ItemRef,
    MemoryItem,
    assemble,
    fuse,
    item_from_fact,
    item_from_message,
    item_from_relation,
    merge_mirrors,
    past_first,
)
from hybridmem.domain.replies import is_memory_source
from hybridmem.domain.retrieval import FactQuery, RelationQuery, ScoredFact, ScoredRelation
from hybridmem.domain.router import ReadPlan, plan_read
from hybridmem.domain.stores import Store
from hybridmem.domain.units import TurnWindow, units_to_expand, with_turns
from hybridmem.ports.memory import FactMemory, GraphMemory
from hybridmem.ports.messages import ChatHistory, MessageContext

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RecallSettings:
    """How much recall reads and returns by default."""

    limit: int = 10
    budget_tokens: int = 1200
    source_timeout_seconds: float = 2.0
    #: The messages shown around a recalled message (a context unit); none by default.
    turns: TurnWindow = field(default_factory=TurnWindow)


@dataclass(frozen=True, slots=True)
class Recall:
    """What memory gave for one query.

    ``items`` is exactly what chat puts into its prompt, in that order; ``facts`` and
    ``relations`` are the stored objects behind the fact and graph items among them.
    """

    plan: ReadPlan
    context: AssembledContext
    facts: tuple[ScoredFact, ...]
    relations: tuple[ScoredRelation, ...]
    sources_skipped: tuple[Store, ...]
    timings_ms: Mapping[str, float]

    @property
    def items(self) -> tuple[MemoryItem, ...]:
        """The recalled items, best first."""
        return self.context.used


class RecallService:
    """Reads the memories the router plans, concurrently and each under a timeout, then
    fuses and assembles them. A source that fails is skipped (and named), never fatal."""

    def __init__(
        self,
        *,
        facts: FactMemory,
        graph: GraphMemory,
        history: ChatHistory,
        context: MessageContext | None = None,
        settings: RecallSettings = RecallSettings(),
    ) -> None:
        self._facts = facts
        self._graph = graph
        self._history = history
        self._context = context
        self._settings = settings

    @property
    def settings(self) -> RecallSettings:
        """The defaults recall runs with."""
        return self._settings

    async def recall(
        self,
        user_id: str,
        query: str,
        *,
        limit: int | None = None,
        budget_tokens: int | None = None,
    ) -> Recall:
        """The best ``limit`` items for ``query`` that fit ``budget_tokens``."""
        plan = plan_read(query)
        timings: dict[str, float] = {}
        skipped: list[Store] = []

        fact_hits: list[ScoredFact] = []
        relation_hits: list[ScoredRelation] = []

        async def facts() -> list[MemoryItem]:
            fact_hits.extend(
                await self._facts.search(
                    user_id,
                    FactQuery(
                        text=query,
                        limit=plan.limit_for(Store.FACTS),
                        attributes=plan.attributes,
                        include_invalidated=plan.include_invalidated,
                    ),
                )
            )
            return [item_from_fact(hit.fact, score=hit.score) for hit in fact_hits]

        async def relations() -> list[MemoryItem]:
            relation_hits.extend(
                await self._graph.search(
                    user_id,
                    RelationQuery(
                        text=query,
                        limit=plan.limit_for(Store.GRAPH),
                        relation_types=tuple(RELATION_FOR_ATTRIBUTE[a][0] for a in plan.attributes),
                        include_invalidated=plan.include_invalidated,
                    ),
                )
            )
            return [item_from_relation(hit.relation, score=hit.score) for hit in relation_hits]

        async def messages() -> list[MemoryItem]:
            found = await self._history.search(user_id, query, limit=plan.limit_for(Store.HISTORY))
            # a replaced (degenerate) reply is never memory
            return [
                item_from_message(hit.message, score=hit.score)
                for hit in found
                if is_memory_source(hit.message)
            ]

        readers: dict[Store, Callable[[], Awaitable[list[MemoryItem]]]] = {
            Store.FACTS: facts,
            Store.GRAPH: relations,
            Store.HISTORY: messages,
        }

        async def timed(store: Store) -> list[MemoryItem]:
            started = time.perf_counter()
            try:
                return await asyncio.wait_for(
                    readers[store](), timeout=self._settings.source_timeout_seconds
                )
            except Exception as exc:
                log.warning("memory source %s skipped: %s", store.value, type(exc).__name__)
                skipped.append(store)
                return []
            finally:
                timings[store.value] = round((time.perf_counter() - started) * 1000, 2)

        rankings = dict(
            zip(plan.sources, await asyncio.gather(*map(timed, plan.sources)), strict=True)
        )
        if Store.GRAPH in rankings:
            rankings[Store.GRAPH] = merge_mirrors(
                rankings.get(Store.FACTS, []), rankings[Store.GRAPH]
            )
        ranked = fuse(rankings)
        if plan.prefers_past:
            ranked = past_first(ranked)
        wanted = limit or self._settings.limit
        ranked = await self._with_turns(user_id, ranked, wanted, timings, skipped)
        context = assemble(
            ranked,
            limit=wanted,
            budget_tokens=self._settings.budget_tokens if budget_tokens is None else budget_tokens,
        )
        used = {item.ref for item in context.used}
        return Recall(
            plan=plan,
            context=context,
            facts=tuple(h for h in fact_hits if ItemRef(Store.FACTS, h.fact.fact_id) in used),
            relations=tuple(
                h for h in relation_hits if ItemRef(Store.GRAPH, h.relation.relation_id) in used
            ),
            sources_skipped=tuple(sorted(skipped)),
            timings_ms=timings,
        )

    async def _with_turns(
        self,
        user_id: str,
        ranked: list[MemoryItem],
        limit: int,
        timings: dict[str, float],
        skipped: list[Store],
    ) -> list[MemoryItem]:
        """``ranked`` with its leading messages shown as units (when configured); without
        their neighbours (a failure, a timeout) the messages still come alone."""
        window = self._settings.turns
        if self._context is None or window.empty:
            return ranked
        # a unit can absorb a later hit, so read windows for more than ``limit`` items
        ids = units_to_expand(ranked, 2 * limit)
        if not ids:
            return ranked
        started = time.perf_counter()
        try:
            windows = await asyncio.wait_for(
                self._context.around(user_id, ids, before=window.before, after=window.after),
                timeout=self._settings.source_timeout_seconds,
            )
        except Exception as exc:
            log.warning("message context skipped: %s", type(exc).__name__)
            if Store.HISTORY not in skipped:
                skipped.append(Store.HISTORY)
            return ranked
        finally:
            timings["turns"] = round((time.perf_counter() - started) * 1000, 2)
        # a replaced (degenerate) reply is never memory, not even as a neighbour
        kept = {
            message_id: [m for m in window if m.message_id == message_id or is_memory_source(m)]
            for message_id, window in windows.items()
        }
        return with_turns(ranked, kept)
