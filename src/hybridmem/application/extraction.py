"""Extraction: candidate facts → the temporal rules → the fact memory and the graph.

The handlers here run as outbox jobs, off the request path; each is idempotent, so the
outbox's at-least-once delivery changes memory once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import Fact, FactCandidate
from hybridmem.domain.graph import GraphUpdate, facts_to_graph, graph_update, relation_id_for
from hybridmem.domain.jobs import Job, MessageJob
from hybridmem.domain.slots import competing_attributes
from hybridmem.domain.temporal import TemporalAction, TemporalPlan, plan_temporal_update
from hybridmem.ports.memory import FactMemory, GraphMemory
from hybridmem.ports.messages import MessageIndex
from hybridmem.ports.system import Ids


class FactExtraction:
    """Remembers candidate facts, and runs the rule extractor over recorded messages."""

    def __init__(self, *, facts: FactMemory, graph: GraphMemory, ids: Ids) -> None:
        self._facts = facts
        self._graph = graph
        self._ids = ids

    async def remember(
        self,
        user_id: str,
        candidates: Sequence[FactCandidate],
        *,
        stated_at: datetime | None = None,
    ) -> TemporalPlan:
        """Apply candidate facts (said at ``stated_at``) to both memories; safe to retry."""
        if not candidates:
            return TemporalPlan(())
        # A like of X competes with a dislike of X: read every attribute a candidate's
        # slot spans, not only its own, or the old like would stay current.
        attributes = {a for c in candidates for a in competing_attributes(c.attribute)}
        existing = await self._facts.current(user_id, attributes)
        plan = plan_temporal_update(
            existing,
            candidates,
            user_id=user_id,
            new_id=lambda: self._ids.new_id("fct_"),
            stated_at=stated_at,
        )
        await self._facts.apply(user_id, plan)
        # A retry after the fact write succeeded but the graph write failed plans nothing
        # (the facts are stored); mirroring the stored facts the candidates restate too
        # repairs the graph (relation inserts are idempotent).
        keys = {candidate.key for candidate in candidates}
        restated = [fact for fact in existing if fact.key in keys]
        await self._graph.apply(user_id, _graph_update_for(plan, restated))
        return plan

    async def handle(self, job: Job) -> None:
        """Job handler (``JobKind.EXTRACT``): the rule extractor over one user message."""
        message = MessageJob.from_payload(job.payload)
        candidates = extract_facts(
            message.message.content,
            message_id=message.message.message_id,
            observed_at=message.occurred_at,
        )
        await self.remember(job.user_id, candidates, stated_at=message.occurred_at)


class MessageIndexing:
    """Job handler (``JobKind.INDEX``): embeds a message for semantic search."""

    def __init__(self, index: MessageIndex) -> None:
        self._index = index

    async def handle(self, job: Job) -> None:
        """Index one recorded message (idempotent)."""
        message = MessageJob.from_payload(job.payload).message
        await self._index.index(job.user_id, [(message.message_id, message.content)])


def _graph_update_for(plan: TemporalPlan, restated: Sequence[Fact] = ()) -> GraphUpdate:
    # Mirror every fact the plan touched, not only the new ones, and the stored facts the
    # batch restates: relation inserts are idempotent, so a retried job still repairs a
    # graph write that failed after the fact write succeeded. (A closing that reached the
    # facts but not the graph is not repaired this way: the closed fact is not re-read.)
    kept = [d for d in plan.decisions if d.action is not TemporalAction.REMOVE]
    mirrored = {fact.fact_id: fact for fact in restated}
    mirrored.update((decision.fact.fact_id, decision.fact) for decision in kept)
    touched = facts_to_graph(mirrored.values())
    invalidations = graph_update(kept).invalidated
    # A corrected slip leaves the graph too (its relation goes, like an edited fact's).
    removed = tuple(
        relation_id_for(d.fact.fact_id) for d in plan.decisions if d.action is TemporalAction.REMOVE
    )
    return GraphUpdate(touched.entities, touched.added, invalidations, removed)
