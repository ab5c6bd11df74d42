"""Consolidation: reconcile the fact memory with the facts the graph holds.

``consolidate`` is a pure function of the facts of both memories, each tagged with the store
it came from. It returns one decision per input fact:

- ADD: a graph fact the fact memory lacks is added to it (under :func:`added_fact_id`);
- MERGE: fact-memory duplicates (same key, or near-identical values of a multi-valued
  attribute, with compatible validity) fold into a survivor, the earliest by
  ``(valid_from, fact_id)``; provenance is united, confidence is the highest;
- INVALIDATE: a current fact superseded by a later current fact gets ``valid_to`` and
  ``superseded_by``. For a single-valued attribute the latest current fact wins (equal
  start times are ordered by :func:`supersession_order`); a like and a dislike of the same
  thing supersede each other the same way;
- KEEP: nothing to do (for a graph fact: the fact memory already holds it, ``same_as``).

Only the fact memory changes: the service applies the decisions "into Mem0". Properties
(tested with hypothesis): idempotent, independent of input order, loses nothing, the
latest current value of a single-valued attribute wins.

How it stays idempotent: supersession is decided first, over the current facts of both
stores; duplicates are then clustered in one total order, each fact joining the first
cluster whose *final* span it overlaps, so survivors never overlap one another; a graph fact
is covered by, or else added as, a cluster that no other cluster overlaps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from hybridmem.domain import slots
from hybridmem.domain.attributes import is_single_valued
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, merge_provenance
from hybridmem.domain.stores import Store
from hybridmem.domain.temporal import TemporalAction, TemporalDecision, TemporalPlan
from hybridmem.domain.text import is_near_identical

# The memory a fact was read from: consolidation writes the fact memory (the Mem0 role) and
# reads the graph (the Zep role) beside it.
_STORE_RANK = {Store.FACTS: 0, Store.GRAPH: 1}


@dataclass(frozen=True, slots=True)
class StoredFact:
    """A fact tagged with the memory it came from."""

    fact: Fact
    store: Store

    @property
    def order(self) -> tuple[datetime, int, str]:
        """The total order consolidation works in: start time, then store, then id."""
        return (self.fact.valid_from, _STORE_RANK[self.store], self.fact.fact_id)


class DecisionKind(StrEnum):
    """What consolidation does with one input fact."""

    KEEP = "keep"
    ADD = "add"
    MERGE = "merge"
    INVALIDATE = "invalidate"


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision about the input fact ``fact`` (from ``store``).

    ``result`` is what the fact memory stores afterwards (ADD: the new fact; MERGE: the
    survivor; INVALIDATE: the closed fact). ``duplicates`` are the fact-memory facts a MERGE
    folds into the survivor (to delete; pointers to them move to the survivor). ``same_as``
    names, for a KEEP of a graph fact, the fact-memory fact that already holds it.
    """

    kind: DecisionKind
    store: Store
    fact: Fact
    result: Fact | None = None
    duplicates: tuple[Fact, ...] = ()
    same_as: str | None = None


def added_fact_id(graph_fact: Fact) -> str:
    """The fact-memory id under which a graph fact is added (stable, so reruns agree)."""
    return f"{Store.GRAPH.value}:{graph_fact.fact_id}"


def _equivalent(left: Fact, right: Fact) -> bool:
    """Same statement: same key, or near-identical values of a multi-valued attribute."""
    if left.attribute is not right.attribute or left.user_id != right.user_id:
        return False
    if left.key == right.key:
        return True
    if is_single_valued(left.attribute) or left.key.qualifier != right.key.qualifier:
        return False
    return is_near_identical(left.value, right.value)


@dataclass(slots=True)
class _Effective:
    """An input fact with the validity consolidation gives it."""

    item: StoredFact
    valid_to: datetime | None
    successor: StoredFact | None = None  # set when consolidation closes it

    @property
    def fact(self) -> Fact:
        return self.item.fact


@dataclass(slots=True)
class _Cluster:
    """Equivalent facts; ``leader`` is the survivor (or, for the graph, the fact to add)."""

    leader: _Effective
    members: list[_Effective] = field(default_factory=list)
    end: datetime | None = None  # the cluster's span ends here (None: open)

    def joins(self, other: _Effective) -> bool:
        if not _equivalent(self.leader.fact, other.fact):
            return False
        if (self.end is None) != (other.valid_to is None):
            return False
        if self.end is None or other.valid_to is None:
            return True  # two current statements of the same thing
        start = self.leader.fact.valid_from
        return start <= other.valid_to and other.fact.valid_from <= self.end


def supersession_order(item: StoredFact) -> tuple[datetime, str, str]:
    """Which current fact is later (the slot rule's order; ties by store, then id)."""
    return slots.supersession_order(item.fact, f"{_STORE_RANK[item.store]}:{item.fact.fact_id}")


def _supersede(items: Sequence[StoredFact]) -> dict[tuple[Store, str], _Effective]:
    """Close every current fact that a later current fact with another claim replaces."""
    effective = {
        (item.store, item.fact.fact_id): _Effective(item, item.fact.valid_to) for item in items
    }
    groups: dict[tuple[str, slots.Slot], list[tuple[StoredFact, str]]] = defaultdict(list)
    for item in items:
        if item.fact.is_current and (found := slots.placement(item.fact)) is not None:
            groups[(item.fact.user_id, found.slot)].append((item, found.claim))
    for members in groups.values():
        members.sort(key=lambda pair: supersession_order(pair[0]))
        for index, (item, _) in enumerate(members):
            successor = next(
                (
                    later
                    for later, _ in members[index + 1 :]
                    if slots.competes(later.fact, item.fact)
                ),
                None,
            )
            if successor is not None:
                state = effective[(item.store, item.fact.fact_id)]
                state.valid_to = successor.fact.valid_from
                state.successor = successor
    return effective


def _cluster(
    facts: Iterable[_Effective], clusters: list[_Cluster], *, grow: bool
) -> list[_Cluster]:
    """Put each fact in the first cluster it joins, else start one; returns the new ones."""
    started: list[_Cluster] = []
    for state in facts:
        home = next((cluster for cluster in clusters if cluster.joins(state)), None)
        if home is None:
            home = _Cluster(state, end=state.valid_to)
            clusters.append(home)
            started.append(home)
        elif grow and home.end is not None and state.valid_to is not None:
            home.end = max(home.end, state.valid_to)
        home.members.append(state)
    return started


@dataclass(frozen=True, slots=True)
class _Links:
    """Where ``superseded_by`` links point once the decisions are applied.

    ``held_by`` maps each input fact to the fact-memory fact that holds it afterwards (a
    merge survivor, itself, or the fact added for a graph fact); ``held`` is the set of those.
    """

    held_by: dict[tuple[Store, str], str]
    held: frozenset[str]

    def resolve(self, state: _Effective) -> str | None:
        """The fact's own link, re-pointed as apply_decisions does: a link to a fact that
        a merge folds away names its survivor (else a result would name a deleted fact)."""
        original = state.fact.superseded_by
        if original is None:
            return None
        return self.held_by.get((state.item.store, original), original)

    def successor(self, state: _Effective) -> str | None:
        """What came after the fact: the fact that consolidation closes it for, else its
        own resolved link. A link to what the fact itself becomes (one merged fact naming
        another) is none: the survivor would name itself."""
        if state.successor is not None:
            later = state.successor
            return self.held_by[(later.store, later.fact.fact_id)]
        target = self.resolve(state)
        return None if target == self.held_by[(state.item.store, state.fact.fact_id)] else target

    def present(self, fact_id: str) -> bool:
        """Whether the fact memory holds ``fact_id`` once the decisions are applied."""
        return fact_id in self.held


def _check_unique(items: Sequence[StoredFact]) -> None:
    seen: set[tuple[Store, str]] = set()
    for item in items:
        ref = (item.store, item.fact.fact_id)
        if ref in seen:
            raise InvalidInput(
                "duplicate fact id in one store", details={"store": ref[0], "fact_id": ref[1]}
            )
        seen.add(ref)


def consolidate(
    items: Sequence[StoredFact], *, id_for_added: Callable[[Fact], str] = added_fact_id
) -> list[Decision]:
    """Decide how to reconcile the fact memory with the graph; one decision per input fact.

    Facts of several users may be mixed; they never interact. ``(store, fact_id)`` must be
    unique. The result is sorted, so it does not depend on the input order.
    """
    _check_unique(items)
    effective = _supersede(items)
    ordered = sorted(effective.values(), key=lambda state: state.item.order)
    groups: dict[tuple[str, str], list[_Cluster]] = defaultdict(list)
    memory_clusters: list[_Cluster] = []
    for state in ordered:
        if state.item.store is Store.FACTS:
            key = (state.fact.user_id, state.fact.attribute.value)
            memory_clusters += _cluster([state], groups[key], grow=True)
    held_by: dict[tuple[Store, str], str] = {}
    for cluster in memory_clusters:
        for member in cluster.members:
            held_by[(Store.FACTS, member.fact.fact_id)] = cluster.leader.fact.fact_id
    added: list[_Cluster] = []
    for state in ordered:
        if state.item.store is Store.GRAPH:
            key = (state.fact.user_id, state.fact.attribute.value)
            added += _cluster([state], groups[key], grow=False)
    for cluster in added:
        new_id = id_for_added(cluster.leader.fact)
        for member in cluster.members:
            held_by[(Store.GRAPH, member.fact.fact_id)] = new_id
    for cluster in memory_clusters:
        for member in cluster.members[1:]:
            if member.item.store is Store.GRAPH:
                held_by[(Store.GRAPH, member.fact.fact_id)] = cluster.leader.fact.fact_id

    links = _Links(held_by, frozenset(held_by.values()))

    decisions: list[Decision] = []
    for cluster in memory_clusters:
        decisions.append(_memory_decision(cluster, links))
    for cluster in added:
        leader = cluster.leader
        result = replace(
            leader.fact,
            fact_id=id_for_added(leader.fact),
            valid_to=leader.valid_to,
            superseded_by=links.successor(leader) if leader.valid_to is not None else None,
        )
        decisions.append(Decision(DecisionKind.ADD, Store.GRAPH, leader.fact, result))
    for clusters in groups.values():
        for cluster in clusters:
            for member in cluster.members[1:]:
                if member.item.store is Store.GRAPH:
                    same_as = held_by[(Store.GRAPH, member.fact.fact_id)]
                    decisions.append(
                        Decision(DecisionKind.KEEP, Store.GRAPH, member.fact, same_as=same_as)
                    )
    return sorted(decisions, key=_decision_order)


def _end(state: _Effective) -> datetime:
    if state.valid_to is None:  # pragma: no cover - closed clusters hold closed facts only
        raise AssertionError("an open fact in a closed cluster")
    return state.valid_to


def _memory_decision(cluster: _Cluster, links: _Links) -> Decision:
    leader = cluster.leader
    memory_members = [m for m in cluster.members if m.item.store is Store.FACTS]
    duplicates = tuple(member.fact for member in memory_members[1:])
    if cluster.end is None:
        superseded_by = leader.fact.superseded_by
    else:
        # The latest-ending member that knows what came next says so (earliest of a tie);
        # a link to a fact that is gone (say, deleted by the user) only when none is left.
        pointers = [(_end(member), links.successor(member)) for member in memory_members]
        known = [(end, successor) for end, successor in pointers if successor is not None]
        present = [(end, successor) for end, successor in known if links.present(successor)]
        superseded_by = max(present or known, key=lambda pair: pair[0])[1] if known else None
    result = replace(
        leader.fact,
        valid_to=cluster.end,
        superseded_by=superseded_by,
        provenance=merge_provenance(*(member.fact.provenance for member in memory_members)),
        confidence=max(member.fact.confidence for member in memory_members),
    )
    if duplicates:
        return Decision(DecisionKind.MERGE, Store.FACTS, leader.fact, result, duplicates)
    # A link that only moves to a merge survivor is not a change of this fact:
    # apply_decisions re-points it.
    if result != replace(leader.fact, superseded_by=links.resolve(leader)):
        return Decision(DecisionKind.INVALIDATE, Store.FACTS, leader.fact, result)
    return Decision(DecisionKind.KEEP, Store.FACTS, leader.fact)


def _decision_order(decision: Decision) -> tuple[str, str, datetime, int, str]:
    fact = decision.fact
    return (
        fact.user_id,
        fact.attribute.value,
        fact.valid_from,
        _STORE_RANK[decision.store],
        fact.fact_id,
    )


def apply_decisions(items: Sequence[StoredFact], decisions: Iterable[Decision]) -> list[StoredFact]:
    """The two memories after applying ``decisions`` to the fact memory (the graph is left as
    it is). A MERGE deletes its duplicates and re-points ``superseded_by`` links to them at
    the survivor."""
    state = {(item.store, item.fact.fact_id): item for item in items}
    moved: dict[str, str] = {}
    for decision in decisions:
        if decision.kind is DecisionKind.KEEP or decision.result is None:
            continue
        ref = (Store.FACTS, decision.result.fact_id)
        if decision.kind is DecisionKind.ADD and ref in state:
            raise InvalidInput("the added fact's id is taken", details={"fact_id": ref[1]})
        state[ref] = StoredFact(decision.result, Store.FACTS)
        for duplicate in decision.duplicates:
            state.pop((Store.FACTS, duplicate.fact_id), None)
            moved[duplicate.fact_id] = decision.result.fact_id
    result: list[StoredFact] = []
    for item in state.values():
        target = item.fact.superseded_by
        if item.store is Store.FACTS and target in moved:
            item = StoredFact(replace(item.fact, superseded_by=moved[target]), item.store)
        result.append(item)
    return sorted(result, key=lambda item: (item.fact.user_id, item.order))


def fact_memory(items: Iterable[StoredFact]) -> list[Fact]:
    """The facts of the fact memory among ``items``."""
    return [item.fact for item in items if item.store is Store.FACTS]


_REASONS = {
    TemporalAction.ADD: "consolidation: added from the graph",
    TemporalAction.CLOSE: "consolidation: superseded",
    TemporalAction.CONFIRM: "consolidation: merged duplicates",
    TemporalAction.REMOVE: "consolidation: merged duplicate",
}


def consolidation_plan(items: Sequence[StoredFact], decisions: Iterable[Decision]) -> TemporalPlan:
    """The change to the fact memory that applying ``decisions`` makes, as one plan (so a
    store can write it in one transaction): new facts, rewritten ones, removed duplicates."""
    before = {fact.fact_id: fact for fact in fact_memory(items)}
    after = {fact.fact_id: fact for fact in fact_memory(apply_decisions(items, decisions))}
    changes: list[TemporalDecision] = []
    for fact_id, fact in after.items():
        previous = before.get(fact_id)
        if previous is None:
            action = TemporalAction.ADD
        elif previous == fact:
            continue
        elif previous.valid_to is None and fact.valid_to is not None:
            action = TemporalAction.CLOSE
        else:
            action = TemporalAction.CONFIRM
        changes.append(TemporalDecision(action, fact, previous, _REASONS[action]))
    for fact_id, fact in before.items():
        if fact_id not in after:
            reason = _REASONS[TemporalAction.REMOVE]
            changes.append(TemporalDecision(TemporalAction.REMOVE, fact, fact, reason))
    return TemporalPlan(tuple(changes))
