"""One fact at a time: read, correct, forget, and its history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hybridmem.domain.display import describe
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, FactCandidate, FactSource, make_candidate
from hybridmem.domain.graph import fact_edit
from hybridmem.domain.pagination import Page
from hybridmem.domain.retrieval import FactEvent
from hybridmem.domain.temporal import TemporalAction, TemporalDecision, TemporalPlan
from hybridmem.ports.memory import FactMemory, GraphMemory


class FactEditor:
    """The user's hand on single facts; every change lands in the fact's history, and the
    graph's mirror of the fact follows (else consolidation would bring the old value back
    from the graph)."""

    def __init__(self, facts: FactMemory, graph: GraphMemory) -> None:
        self._facts = facts
        self._graph = graph

    async def get(self, user_id: str, fact_id: str) -> Fact:
        """One fact."""
        return await self._facts.get(user_id, fact_id)

    async def list(
        self, user_id: str, *, limit: int, cursor: str | None, include_invalidated: bool
    ) -> Page[Fact]:
        """A page of facts, newest first."""
        return await self._facts.list(
            user_id, limit=limit, cursor=cursor, include_invalidated=include_invalidated
        )

    async def import_facts(
        self, user_id: str, facts: Sequence[tuple[str, FactCandidate]], *, batch: int = 500
    ) -> int:
        """Add already-normalised facts (id, candidate) as new, in batches: a bulk load of
        facts known to be distinct (no supersession check, no graph mirror). Returns how
        many were added."""
        added = 0
        for start in range(0, len(facts), batch):
            decisions = tuple(
                TemporalDecision(
                    TemporalAction.ADD,
                    candidate.to_fact(fact_id=fact_id, user_id=user_id),
                    None,
                    "import",
                )
                for fact_id, candidate in facts[start : start + batch]
            )
            await self._facts.apply(user_id, TemporalPlan(decisions))
            added += len(decisions)
        return added

    async def correct(
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
        stored = await self._facts.update(user_id, corrected, reason="corrected by the user")
        await self._graph.apply(user_id, fact_edit(current, stored))
        return stored

    async def forget(self, user_id: str, fact_id: str) -> None:
        """Delete one fact (its history keeps a DELETE event) and its graph relation."""
        current = await self._facts.get(user_id, fact_id)
        await self._facts.delete(user_id, fact_id, reason="deleted by the user")
        await self._graph.apply(user_id, fact_edit(current, None))

    async def history(self, user_id: str, fact_id: str) -> Sequence[FactEvent]:
        """What happened to a fact."""
        return await self._facts.history(user_id, fact_id)
