"""In-memory FactMemory and GraphMemory: full implementations of the ports, held to the
same contract tests as the PostgreSQL engine (tests/contract/test_memory_ports.py).

Search ranks like PostgreSQL does, with a simpler text score: the question's words (stop
words dropped, crudely stemmed, words that merely name a routed attribute dropped) are
weighted by their idf over the user's items; the text rank s/(1+s) is fused with attribute
(or relation type) match, validity and recency with the same weights as the adapter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from itertools import count
from typing import Any

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.display import describe
from hybridmem.domain.episodes import Episode
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import (
    Entity,
    GraphUpdate,
    Relation,
    RelationType,
    apply_graph_update,
    relations_valid_at,
)
from hybridmem.domain.pagination import Page, decode_cursor, encode_cursor
from hybridmem.domain.retrieval import (
    FactEvent,
    FactEventKind,
    FactQuery,
    GraphView,
    RelationQuery,
    ScoredFact,
    ScoredRelation,
)
from hybridmem.domain.temporal import TemporalAction, TemporalPlan
from hybridmem.domain.text import normalize_text
from hybridmem.ports.system import Clock

# PostgreSQL's English configuration drops these (a subset of its snowball list).
_STOP_WORDS_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing don down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own s same she should so some such t than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with you your yours
    yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
_SUFFIXES = re.compile(r"(?:ing|ed|es|s)$")


def stem(word: str) -> str:
    """A crude English stem: enough that "lives", "lived" and "live" meet."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    suffix = _SUFFIXES.search(word)
    if suffix and suffix.start() >= 3 and not word.endswith(("ss", "us")):
        word = word[: suffix.start()]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def terms(text: str) -> set[str]:
    """The searchable terms of a text."""
    return {stem(word) for word in normalize_text(text).split() if word not in STOP_WORDS}


def idf_rank(query: set[str], document: set[str], corpus: Iterable[set[str]]) -> float:
    """Text rank in [0, 1): the summed idf of the query terms the document holds, squashed
    like PostgreSQL's rank normalization 32 (s / (1 + s))."""
    matched = query & document
    if not matched:
        return 0.0
    documents = list(corpus)
    total = len(documents)
    weight = 0.0
    for term in matched:
        df = sum(term in other for other in documents)
        weight += math.log(1 + (total - df + 0.5) / (df + 0.5))
    return weight / (1 + weight)


def recency(moment: datetime, now: datetime) -> float:
    """exp(-age in years), capped at 50 years; 1 for future moments."""
    years = max((now - moment).total_seconds(), 0.0) / 31_536_000.0
    return math.exp(-min(years, 50.0))


class UtcClock:
    """The wall clock (what PostgreSQL's now() is to the adapters)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def fact_document(fact: Fact) -> dict[str, Any]:
    """A fact as its history events store it (the same fields as PostgreSQL's jsonb)."""
    return {
        "attribute": fact.attribute.value,
        "value": fact.value,
        "qualifier": fact.qualifier,
        "text": fact.text,
        "valid_from": fact.valid_from.isoformat(),
        "valid_to": fact.valid_to.isoformat() if fact.valid_to else None,
        "provenance": list(fact.provenance),
        "source": fact.source.value,
        "confidence": fact.confidence,
        "superseded_by": fact.superseded_by,
    }


def _fact_terms(fact: Fact) -> set[str]:
    return terms(f"{fact.text} {fact.attribute.value.replace('_', ' ')} {fact.qualifier or ''}")


def _attribute_cues(attributes: Collection[Attribute]) -> set[str]:
    return set().union(
        *(terms(f"{a.value.replace('_', ' ')} {describe(a, '')}") for a in attributes)
    )


class InMemoryFactMemory:
    """``FactMemory`` in dicts: facts per user, history events per (user, fact)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or UtcClock()
        self._facts: dict[str, dict[str, Fact]] = {}
        self._events: dict[tuple[str, str], list[FactEvent]] = {}

    def _event(
        self,
        user_id: str,
        fact_id: str,
        kind: FactEventKind,
        old: Fact | None,
        new: Fact | None,
        reason: str | None,
    ) -> tuple[tuple[str, str], FactEvent]:
        return (user_id, fact_id), FactEvent(
            fact_id=fact_id,
            kind=kind,
            at=self._clock.now(),
            old=fact_document(old) if old else None,
            new=fact_document(new) if new else None,
            reason=reason,
        )

    def _commit(
        self, user_id: str, facts: dict[str, Fact], events: list[tuple[tuple[str, str], FactEvent]]
    ) -> None:
        self._facts[user_id] = facts
        for key, event in events:
            self._events.setdefault(key, []).append(event)

    async def apply(self, user_id: str, plan: TemporalPlan) -> None:
        """All decisions or none: they are checked, then worked out on a copy."""
        if any(d.fact.user_id != user_id for d in plan.decisions):
            raise InvalidInput("a fact of another user", details={"field": "user_id"})
        facts = dict(self._facts.get(user_id, {}))
        events = []
        for decision in plan.decisions:
            fact = decision.fact
            stored = facts.get(fact.fact_id)
            if decision.action is TemporalAction.REMOVE:
                if stored is None:
                    continue
                del facts[fact.fact_id]
                kind, old, new = FactEventKind.DELETE, decision.previous or fact, None
            elif decision.action is TemporalAction.ADD:
                if stored is not None:  # an id already stored is left as is
                    continue
                facts[fact.fact_id] = fact
                kind, old, new = FactEventKind.ADD, None, fact
            else:
                if stored is None:  # closing or confirming a fact that is gone: nothing
                    continue
                facts[fact.fact_id] = fact
                closing = decision.action is TemporalAction.CLOSE
                kind = FactEventKind.INVALIDATE if closing else FactEventKind.UPDATE
                old, new = decision.previous, fact
            events.append(self._event(user_id, fact.fact_id, kind, old, new, decision.reason))
        self._commit(user_id, facts, events)

    def _all(self, user_id: str) -> list[Fact]:
        return list(self._facts.get(user_id, {}).values())

    async def current(
        self, user_id: str, attributes: Collection[Attribute] | None = None
    ) -> Sequence[Fact]:
        """Current facts, oldest first."""
        wanted = set(attributes) if attributes is not None else None
        chosen = [
            f
            for f in self._all(user_id)
            if f.is_current and (wanted is None or f.attribute in wanted)
        ]
        return sorted(chosen, key=lambda f: (f.valid_from, f.fact_id))

    async def search(self, user_id: str, query: FactQuery) -> Sequence[ScoredFact]:
        """Text matches ∪ facts of the routed attributes, fused into one score."""
        wanted = terms(query.text) - _attribute_cues(query.attributes)
        facts = self._all(user_id)
        documents = {f.fact_id: _fact_terms(f) for f in facts}
        now = self._clock.now()
        scored = []
        for fact in facts:
            if not (query.include_invalidated or fact.is_current):
                continue
            rank = idf_rank(wanted, documents[fact.fact_id], documents.values())
            routed = fact.attribute in query.attributes
            if rank == 0 and not routed:
                continue
            score = (
                0.55 * rank
                + 0.30 * routed
                + 0.10 * fact.is_current
                + 0.05 * recency(fact.valid_from, now)
            )
            scored.append(ScoredFact(fact=fact, score=round(score, 6)))
        # ties: attribute, then value (code-point order, as the adapter's COLLATE "C"),
        # then id — so equal scores come back in the same order on every run
        scored.sort(key=lambda h: (h.fact.attribute.value, h.fact.value, h.fact.fact_id))
        scored.sort(key=lambda h: (h.score, h.fact.valid_from), reverse=True)
        return scored[: query.limit]

    async def get(self, user_id: str, fact_id: str) -> Fact:
        """One fact of the user."""
        try:
            return self._facts[user_id][fact_id]
        except KeyError:
            raise NotFound("fact not found") from None

    async def list(
        self, user_id: str, *, limit: int, cursor: str | None, include_invalidated: bool
    ) -> Page[Fact]:
        """Newest first by validity start, then id (keyset cursor)."""
        facts = [f for f in self._all(user_id) if include_invalidated or f.is_current]
        facts.sort(key=lambda f: (f.valid_from, f.fact_id), reverse=True)
        if cursor is not None:
            after, fact_id = decode_cursor(cursor, datetime, str)
            facts = [f for f in facts if (f.valid_from, f.fact_id) < (after, fact_id)]
        items = facts[:limit]
        more = len(facts) > limit
        last = items[-1] if items else None
        next_cursor = (
            encode_cursor(last.valid_from.isoformat(), last.fact_id) if more and last else None
        )
        return Page(items=items, next_cursor=next_cursor)

    async def update(self, user_id: str, fact: Fact, *, reason: str) -> Fact:
        """Overwrite a fact (same id); an UPDATE event."""
        if fact.user_id != user_id:
            raise InvalidInput("a fact of another user", details={"field": "user_id"})
        previous = await self.get(user_id, fact.fact_id)
        facts = {**self._facts[user_id], fact.fact_id: fact}
        event = self._event(user_id, fact.fact_id, FactEventKind.UPDATE, previous, fact, reason)
        self._commit(user_id, facts, [event])
        return fact

    async def delete(self, user_id: str, fact_id: str, *, reason: str) -> None:
        """Remove a fact; its history keeps a DELETE event."""
        previous = await self.get(user_id, fact_id)
        facts = {k: v for k, v in self._facts[user_id].items() if k != fact_id}
        event = self._event(user_id, fact_id, FactEventKind.DELETE, previous, None, reason)
        self._commit(user_id, facts, [event])

    async def history(self, user_id: str, fact_id: str) -> Sequence[FactEvent]:
        """Events oldest first; NotFound if the fact never existed for the user."""
        events = self._events.get((user_id, fact_id))
        if not events:
            raise NotFound("fact not found")
        return list(events)

    def forget_user(self, user_id: str) -> None:
        """The account is deleted: everything of the user goes."""
        self._facts.pop(user_id, None)
        for key in [key for key in self._events if key[0] == user_id]:
            del self._events[key]


def _relation_terms(relation: Relation) -> set[str]:
    return terms(f"{relation.fact} {relation.relation_type.value.replace('_', ' ')}")


def _in_time(
    relations: Iterable[Relation], as_of: datetime | None, include_invalidated: bool
) -> list[Relation]:
    if as_of is not None:
        return relations_valid_at(relations, as_of)
    return [r for r in relations if include_invalidated or r.invalid_at is None]


class InMemoryGraphMemory:
    """``GraphMemory`` in dicts: entities (in insertion order) and relations per user."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or UtcClock()
        self._entities: dict[str, dict[str, tuple[int, Entity]]] = {}
        self._relations: dict[str, dict[str, Relation]] = {}
        self._order = count()
        self.episodes: dict[str, dict[str, Episode]] = {}

    async def apply(self, user_id: str, update: GraphUpdate) -> None:
        """Upsert entities, add relations, invalidate relations (all or nothing)."""
        entities = self._entities.get(user_id, {})
        relations = self._relations.get(user_id, {})
        known = set(entities) | {e.key for e in update.entities}
        if any({r.source_key, r.target_key} - known for r in update.added):
            raise InvalidInput("a relation names an entity the graph lacks")
        new_entities, new_relations = apply_graph_update(
            (entity for _, entity in entities.values()), relations.values(), update
        )
        self._entities[user_id] = {
            e.key: entities.get(e.key) or (next(self._order), e) for e in new_entities
        }
        self._relations[user_id] = {r.relation_id: r for r in new_relations}

    def _targets(self, user_id: str) -> dict[str, Entity]:
        return {key: entity for key, (_, entity) in self._entities.get(user_id, {}).items()}

    async def search(self, user_id: str, query: RelationQuery) -> Sequence[ScoredRelation]:
        """Text rank fused with relation-type match, validity and recency."""
        cues = set().union(*(terms(t.value.replace("_", " ")) for t in query.relation_types))
        wanted = terms(query.text) - cues
        everything = list(self._relations.get(user_id, {}).values())
        documents = {r.relation_id: _relation_terms(r) for r in everything}
        targets = self._targets(user_id)
        types: set[RelationType] = set(query.relation_types)
        now = self._clock.now()
        scored = []
        for relation in _in_time(everything, query.as_of, query.include_invalidated):
            rank = idf_rank(wanted, documents[relation.relation_id], documents.values())
            typed = relation.relation_type in types
            target = targets.get(relation.target_key)
            if (rank == 0 and not typed) or target is None:
                continue
            score = (
                0.55 * rank
                + 0.30 * typed
                + 0.10 * (relation.invalid_at is None)
                + 0.05 * recency(relation.valid_at, now)
            )
            scored.append(ScoredRelation(relation=relation, target=target, score=round(score, 6)))
        scored.sort(key=lambda h: h.relation.relation_id)
        scored.sort(key=lambda h: (h.score, h.relation.valid_at), reverse=True)
        return scored[: query.limit]

    async def view(
        self, user_id: str, *, as_of: datetime | None, include_invalidated: bool
    ) -> GraphView:
        """Entities (oldest first) and the relations valid at ``as_of`` (or now / all)."""
        relations = _in_time(self._relations.get(user_id, {}).values(), as_of, include_invalidated)
        entities = sorted(self._entities.get(user_id, {}).values(), key=lambda p: p[0])
        return GraphView(
            entities=tuple(entity for _, entity in entities),
            relations=tuple(sorted(relations, key=lambda r: (r.valid_at, r.relation_id))),
        )

    async def add_episode(self, user_id: str, episode: Episode) -> None:
        """The local graph derives from facts; the episode is only kept (by id) to be seen."""
        self.episodes.setdefault(user_id, {}).setdefault(episode.episode_id, episode)

    def forget_user(self, user_id: str) -> None:
        """The account is deleted: the user's graph goes."""
        for store in (self._entities, self._relations, self.episodes):
            store.pop(user_id, None)
