"""Consolidation: reconcile the fact memory with the graph and write the outcome."""

from __future__ import annotations

from dataclasses import dataclass

from hybridmem.domain.consolidation import (
    Decision,
    DecisionKind,
    StoredFact,
    consolidate,
    consolidation_plan,
)
from hybridmem.domain.facts import FactSource
from hybridmem.domain.graph import EntityType, relation_to_fact, user_entity
from hybridmem.domain.stores import Store
from hybridmem.ports.memory import FactMemory, GraphMemory

_PAGE = 500


@dataclass(frozen=True, slots=True)
class ConsolidationReport:
    """The decisions, and what was written (nothing on a dry run)."""

    decisions: tuple[Decision, ...]
    dry_run: bool
    added: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        """True when any decision changes the fact memory."""
        return any(decision.kind is not DecisionKind.KEEP for decision in self.decisions)


class ConsolidationService:
    """Reads both memories, runs the pure consolidation, applies it to the fact memory."""

    def __init__(self, *, facts: FactMemory, graph: GraphMemory, graph_source: FactSource) -> None:
        self._facts = facts
        self._graph = graph
        self._graph_source = graph_source

    async def _stored(self, user_id: str) -> list[StoredFact]:
        items: list[StoredFact] = []
        cursor: str | None = None
        while True:
            page = await self._facts.list(
                user_id, limit=_PAGE, cursor=cursor, include_invalidated=True
            )
            items += [StoredFact(fact, Store.FACTS) for fact in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        graph = await self._graph.view(user_id, as_of=None, include_invalidated=True)
        entities = {entity.key: entity for entity in graph.entities}
        # The user's own node: our key locally, a provider's node of type user in Zep.
        me = {user_entity(user_id).key} | {
            entity.key for entity in graph.entities if entity.entity_type is EntityType.USER
        }
        for relation in graph.relations:
            target = entities.get(relation.target_key)
            if relation.source_key in me and target is not None:
                fact = relation_to_fact(relation, target, source=self._graph_source)
                items.append(StoredFact(fact, Store.GRAPH))
        return items

    async def run(self, user_id: str, *, dry_run: bool) -> ConsolidationReport:
        """Consolidate one user's memories; with ``dry_run`` only report."""
        items = await self._stored(user_id)
        decisions = consolidate(items)
        if dry_run:
            return ConsolidationReport(tuple(decisions), True, 0, 0, 0)
        plan = consolidation_plan(items, decisions)
        await self._facts.apply(user_id, plan)
        return ConsolidationReport(
            tuple(decisions),
            False,
            added=len(plan.added),
            updated=len(plan.closed) + len(plan.confirmed),
            deleted=len(plan.removed),
        )
