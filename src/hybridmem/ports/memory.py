"""The two memories: facts (the Mem0 role) and the temporal graph (the Zep role)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.episodes import Episode
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import GraphUpdate
from hybridmem.domain.pagination import Page
from hybridmem.domain.retrieval import (
    FactEvent,
    FactQuery,
    GraphView,
    RelationQuery,
    ScoredFact,
    ScoredRelation,
)
from hybridmem.domain.temporal import TemporalPlan


class FactMemory(Protocol):
    """Normalized facts about users, with history.

    Contract:
    - ``apply`` stores a temporal plan, all of it or nothing where the store can (one
      transaction in PostgreSQL): added facts are inserted (an id already stored is left
      as is, so re-applying a plan is harmless), closed facts get ``valid_to`` and
      ``superseded_by``, confirmed ones their merged provenance, removed ones (duplicates
      merged by consolidation) are deleted (removing a missing fact is harmless). Every
      change is recorded in the fact's history (ADD / UPDATE / INVALIDATE / DELETE).
    - ``current`` returns facts with no ``valid_to``.
    - ``search`` ranks facts for the query; without ``include_invalidated`` only current
      facts are returned. Scores are comparable within one answer.
    - ``get``/``update``/``delete``/``history`` raise ``NotFound`` for another user's or
      an unknown fact. ``delete`` removes the fact and records a DELETE event.
    - ``list`` pages by ``valid_from`` then id, newest first.
    """

    async def apply(self, user_id: str, plan: TemporalPlan) -> None:
        """Store the outcome of a temporal plan."""
        ...

    async def current(
        self, user_id: str, attributes: Collection[Attribute] | None = None
    ) -> Sequence[Fact]:
        """The user's current facts (of the given attributes)."""
        ...

    async def search(self, user_id: str, query: FactQuery) -> Sequence[ScoredFact]:
        """Ranked facts for a query."""
        ...

    async def get(self, user_id: str, fact_id: str) -> Fact:
        """One fact."""
        ...

    async def list(
        self, user_id: str, *, limit: int, cursor: str | None, include_invalidated: bool
    ) -> Page[Fact]:
        """A page of the user's facts."""
        ...

    async def update(self, user_id: str, fact: Fact, *, reason: str) -> Fact:
        """Replace a stored fact's value/text/validity (same id); an UPDATE event."""
        ...

    async def delete(self, user_id: str, fact_id: str, *, reason: str) -> None:
        """Remove a fact; a DELETE event stays in its history."""
        ...

    async def history(self, user_id: str, fact_id: str) -> Sequence[FactEvent]:
        """The fact's events, oldest first."""
        ...


class GraphMemory(Protocol):
    """A per-user graph of entities and relations with validity intervals.

    Contract:
    - ``apply`` removes the relations named in ``removed`` (a fact the user corrected or
      deleted), upserts entities by key (first name kept), adds relations (an id already
      stored is left as is) and invalidates relations (``invalid_at`` never before
      ``valid_at``); invalidating or removing an unknown relation is ignored.
    - ``search`` finds relations by text and type, valid now (or ``as_of``) unless
      ``include_invalidated``.
    - ``view`` returns the entities and the relations valid at ``as_of`` (all relations,
      with their validity, when ``as_of`` is None and ``include_invalidated``).
    - A graph that extracts on its own (Zep) may ignore ``apply``: its relations come from
      the episodes and messages it receives.
    """

    async def apply(self, user_id: str, update: GraphUpdate) -> None:
        """Write a graph update."""
        ...

    async def search(self, user_id: str, query: RelationQuery) -> Sequence[ScoredRelation]:
        """Ranked relations for a query."""
        ...

    async def view(
        self, user_id: str, *, as_of: datetime | None, include_invalidated: bool
    ) -> GraphView:
        """The user's graph."""
        ...

    async def add_episode(self, user_id: str, episode: Episode) -> None:
        """Hand business data (text or JSON) to the graph, idempotent by episode id.

        A graph that builds itself from episodes (Zep) ingests it; the local graph, which
        is derived from extracted facts through ``apply``, has nothing more to do.
        """
        ...
