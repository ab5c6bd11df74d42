"""Temporal rules: how new candidate facts change a user's stored facts.

- A new value of a single-valued attribute closes the current one (``valid_to`` = the new
  fact's ``valid_from``, ``superseded_by`` = the new fact); nothing is ever deleted.
- The same value again adds nothing: the stored fact absorbs the provenance (and an
  earlier start, when the restatement dates it: "I've lived here since 2015").
- Multi-valued attributes accumulate.
- A dislike of X closes a like of X, and vice versa (what competes is the slot rule of
  :mod:`hybridmem.domain.slots`).
- A closed candidate ("I used to live in Delhi", "I no longer work at Google") closes the
  matching current fact, or is recorded as history when there is none. It never closes
  anything else.

Everything is pure: new ids come from the ``new_id`` callable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, FactCandidate, merge_provenance
from hybridmem.domain.slots import closing_time, competes

IdFactory = Callable[[], str]


class TemporalAction(StrEnum):
    """What happens to one fact."""

    ADD = "add"  # a new fact (current, or closed history)
    CLOSE = "close"  # a stored current fact gets valid_to (and usually superseded_by)
    CONFIRM = "confirm"  # a stored fact absorbs provenance; its value is unchanged
    REMOVE = "remove"  # a stored duplicate merged into another fact (consolidation only)


@dataclass(frozen=True, slots=True)
class TemporalDecision:
    """One fact's change: ``fact`` is what to store, ``previous`` what was stored (if any)."""

    action: TemporalAction
    fact: Fact
    previous: Fact | None
    reason: str

    @property
    def fact_id(self) -> str:
        """The id of the fact this decision is about."""
        return self.fact.fact_id


@dataclass(frozen=True, slots=True)
class TemporalPlan:
    """The decisions for one batch of candidates, in the order facts were first touched."""

    decisions: tuple[TemporalDecision, ...]

    def of(self, action: TemporalAction) -> tuple[Fact, ...]:
        """The resulting facts of every decision with ``action``."""
        return tuple(d.fact for d in self.decisions if d.action is action)

    @property
    def added(self) -> tuple[Fact, ...]:
        """New facts."""
        return self.of(TemporalAction.ADD)

    @property
    def closed(self) -> tuple[Fact, ...]:
        """Stored facts that are now closed."""
        return self.of(TemporalAction.CLOSE)

    @property
    def confirmed(self) -> tuple[Fact, ...]:
        """Stored facts restated (provenance merged)."""
        return self.of(TemporalAction.CONFIRM)

    @property
    def removed(self) -> tuple[Fact, ...]:
        """Stored duplicates merged away."""
        return self.of(TemporalAction.REMOVE)

    def apply(self, existing: Iterable[Fact]) -> list[Fact]:
        """The stored facts after this plan: updated in place, new ones appended, removed
        ones gone."""
        changed = {d.fact_id: d.fact for d in self.decisions}
        gone = {d.fact_id for d in self.decisions if d.action is TemporalAction.REMOVE}
        result = [changed.pop(fact.fact_id, fact) for fact in existing]
        result += [d.fact for d in self.decisions if d.fact_id in changed]
        return [fact for fact in result if fact.fact_id not in gone]


class _State:
    """The user's facts while a batch is processed, and what changed."""

    def __init__(self, existing: Sequence[Fact]) -> None:
        self.facts: dict[str, Fact] = {fact.fact_id: fact for fact in existing}
        self.original: dict[str, Fact] = dict(self.facts)
        self.reasons: dict[str, str] = {}  # insertion order = first touched

    def put(self, fact: Fact, reason: str) -> None:
        self.facts[fact.fact_id] = fact
        self.reasons.setdefault(fact.fact_id, reason)
        if self.reasons[fact.fact_id] != reason:
            self.reasons[fact.fact_id] = f"{self.reasons[fact.fact_id]}; {reason}"

    def current(self) -> list[Fact]:
        return sorted(
            (f for f in self.facts.values() if f.is_current),
            key=lambda f: (f.valid_from, f.fact_id),
        )

    def decisions(self) -> tuple[TemporalDecision, ...]:
        result: list[TemporalDecision] = []
        for fact_id, reason in self.reasons.items():
            fact, previous = self.facts[fact_id], self.original.get(fact_id)
            if previous == fact:
                continue
            if previous is None:
                action = TemporalAction.ADD
            elif previous.is_current and not fact.is_current:
                action = TemporalAction.CLOSE
            else:
                action = TemporalAction.CONFIRM
            result.append(TemporalDecision(action, fact, previous, reason))
        return tuple(result)


def _absorb(stored: Fact, candidate: FactCandidate) -> Fact:
    return replace(
        stored,
        provenance=merge_provenance(stored.provenance, candidate.provenance),
        confidence=max(stored.confidence, candidate.confidence),
        # A restated current value may date its start earlier ("since 2015"); a closed
        # candidate's start is only a placeholder, so it never moves a start.
        valid_from=min(stored.valid_from, candidate.valid_from)
        if stored.is_current and candidate.is_current
        else stored.valid_from,
    )


def _add_current(
    state: _State,
    candidate: FactCandidate,
    *,
    user_id: str,
    new_id: IdFactory,
    stated_at: datetime | None,
) -> None:
    same = [f for f in state.current() if f.key == candidate.key]
    if same:
        state.put(_absorb(same[0], candidate), "restated")
        return
    fact = candidate.to_fact(fact_id=new_id(), user_id=user_id)
    # A new statement is later knowledge than anything stored, so it wins its slot.
    for old in (f for f in state.current() if competes(f, candidate)):
        ends = closing_time(fact.valid_from, stated_at or fact.valid_from, old.valid_from)
        state.put(old.closed(ends, superseded_by=fact.fact_id), "superseded")
    state.put(fact, "new")


def _add_closed(
    state: _State, candidate: FactCandidate, *, user_id: str, new_id: IdFactory
) -> None:
    assert candidate.valid_to is not None
    key = candidate.key
    same_current = [f for f in state.current() if f.key == key]
    if same_current:
        ended = _absorb(same_current[0], candidate).closed(candidate.valid_to)
        state.put(ended, "ended")
        return
    for fact in sorted(state.facts.values(), key=lambda f: (f.valid_from, f.fact_id)):
        if (
            fact.key == key
            and fact.valid_to is not None
            and fact.valid_from <= candidate.valid_to
            and candidate.valid_from <= fact.valid_to
        ):
            state.put(_absorb(fact, candidate), "restated")
            return
    state.put(candidate.to_fact(fact_id=new_id(), user_id=user_id), "history")


def plan_temporal_update(
    existing: Sequence[Fact],
    candidates: Sequence[FactCandidate],
    *,
    user_id: str,
    new_id: IdFactory,
    stated_at: datetime | None = None,
) -> TemporalPlan:
    """Decide how ``candidates`` change one user's ``existing`` facts.

    Current candidates are applied first, in time order, then closed ones, so "I moved from
    Delhi to Mumbai" first lets Mumbai supersede Delhi (with a pointer) and then merely
    confirms the closed Delhi. ``stated_at`` is when the candidates were said (the
    message's time); see :func:`~hybridmem.domain.slots.closing_time`.
    """
    strangers = sorted({fact.user_id for fact in existing} - {user_id})
    if strangers:
        raise InvalidInput("existing facts belong to another user", details={"user_ids": strangers})
    state = _State(existing)
    ordered = sorted(
        enumerate(candidates),
        key=lambda item: (not item[1].is_current, item[1].valid_from, item[0]),
    )
    for _, candidate in ordered:
        if candidate.is_current:
            _add_current(state, candidate, user_id=user_id, new_id=new_id, stated_at=stated_at)
        else:
            _add_closed(state, candidate, user_id=user_id, new_id=new_id)
    return TemporalPlan(state.decisions())
