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
- An *ending* ("Rex passed away", "I left Google") closes the current fact with that value
  whatever its qualifier, and records nothing when there is none.
- A *correction* ("sorry, I meant Leeds, not Leicester") is not a change in the world: the
  wrong fact is removed (REMOVE: a DELETE event keeps the audit trail, no history), and the
  corrected value takes its place from the wrong one's start. The wrong one is the named
  value ("not Leicester") or else the current value the correction competes with; a batch
  may offer one correction for several attributes ("I meant Leeds": a location? a
  hometown?) and the one whose target was stated last wins. A correction with nothing to
  correct is an ordinary statement when it offered one attribute, and nothing otherwise.

Everything is pure: new ids come from the ``new_id`` callable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, FactCandidate, Revision, merge_provenance
from hybridmem.domain.slots import closing_time, competes
from hybridmem.domain.text import normalize_value

IdFactory = Callable[[], str]


class TemporalAction(StrEnum):
    """What happens to one fact."""

    ADD = "add"  # a new fact (current, or closed history)
    CLOSE = "close"  # a stored current fact gets valid_to (and usually superseded_by)
    CONFIRM = "confirm"  # a stored fact absorbs provenance; its value is unchanged
    REMOVE = "remove"  # a stored fact deleted: a merged duplicate, or a corrected slip


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
        self.removed: set[str] = set()

    def remove(self, fact: Fact, reason: str, successor: Fact) -> None:
        """Delete ``fact``; what it superseded now points at ``successor``."""
        self.removed.add(fact.fact_id)
        self.reasons.setdefault(fact.fact_id, reason)
        for other in list(self.facts.values()):
            if other.superseded_by == fact.fact_id and other.fact_id not in self.removed:
                self.put(replace(other, superseded_by=successor.fact_id), "successor corrected")

    def put(self, fact: Fact, reason: str) -> None:
        self.facts[fact.fact_id] = fact
        self.reasons.setdefault(fact.fact_id, reason)
        if self.reasons[fact.fact_id] != reason:
            self.reasons[fact.fact_id] = f"{self.reasons[fact.fact_id]}; {reason}"

    def current(self) -> list[Fact]:
        return sorted(
            (f for f in self.facts.values() if f.is_current and f.fact_id not in self.removed),
            key=lambda f: (f.valid_from, f.fact_id),
        )

    def decisions(self) -> tuple[TemporalDecision, ...]:
        result: list[TemporalDecision] = []
        for fact_id, reason in self.reasons.items():
            fact, previous = self.facts[fact_id], self.original.get(fact_id)
            if fact_id in self.removed:
                if previous is not None:
                    result.append(
                        TemporalDecision(TemporalAction.REMOVE, previous, previous, reason)
                    )
                continue
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


def _same_value(fact: Fact, candidate: FactCandidate, value: str | None = None) -> bool:
    return fact.attribute is candidate.attribute and normalize_value(fact.value) == (
        normalize_value(value if value is not None else candidate.value)
    )


def _singular(value: str) -> str:
    return re.sub(r"(?<=[^s])(?:es|s)$", "", normalize_value(value))


def _end(state: _State, candidate: FactCandidate) -> None:
    assert candidate.valid_to is not None
    for fact in state.current():
        # "I've outgrown the egg allergy" ends "eggs": an ending names the thing loosely
        if fact.attribute is candidate.attribute and _singular(fact.value) == _singular(
            candidate.value
        ):
            ended = _absorb(fact, candidate).closed(candidate.valid_to)
            state.put(ended, "ended")


def _correction_targets(state: _State, candidate: FactCandidate) -> list[Fact]:
    current = state.current()
    if candidate.replaces is not None:
        return [f for f in current if _same_value(f, candidate, candidate.replaces)]
    return [f for f in current if competes(f, candidate)]


def _correct(
    state: _State,
    alternatives: Sequence[FactCandidate],
    *,
    user_id: str,
    new_id: IdFactory,
    stated_at: datetime | None,
) -> None:
    """Apply the one of ``alternatives`` (one correction, read as different attributes)
    whose target was stated last."""
    best: tuple[datetime, int] | None = None
    chosen: tuple[FactCandidate, list[Fact]] | None = None
    for index, candidate in enumerate(alternatives):
        targets = _correction_targets(state, candidate)
        if targets:
            rank = (max(t.valid_from for t in targets), -index)
            if best is None or rank > best:
                best, chosen = rank, (candidate, targets)
    if chosen is None:
        if len(alternatives) == 1:
            _add_current(
                state, alternatives[0], user_id=user_id, new_id=new_id, stated_at=stated_at
            )
        return
    candidate, targets = chosen
    same = [f for f in state.current() if f.key == candidate.key and f not in targets]
    if same:
        kept = _absorb(same[0], candidate)
        state.put(kept, "corrected to")
    else:
        start = min(t.valid_from for t in targets)
        kept = replace(candidate.to_fact(fact_id=new_id(), user_id=user_id), valid_from=start)
        state.put(kept, "correction")
    for target in targets:
        state.remove(target, "corrected by the user", kept)


def _corrections(candidates: Sequence[FactCandidate]) -> list[list[FactCandidate]]:
    groups: dict[tuple[str, str | None], list[FactCandidate]] = {}
    for candidate in candidates:
        if candidate.revision is Revision.CORRECTION and candidate.is_current:
            key = (normalize_value(candidate.value), candidate.replaces)
            groups.setdefault(key, []).append(candidate)
    return list(groups.values())


def plan_temporal_update(
    existing: Sequence[Fact],
    candidates: Sequence[FactCandidate],
    *,
    user_id: str,
    new_id: IdFactory,
    stated_at: datetime | None = None,
) -> TemporalPlan:
    """Decide how ``candidates`` change one user's ``existing`` facts.

    Corrections come first, then current candidates in time order, then closed ones and
    endings, so "I moved from Delhi to Mumbai" first lets Mumbai supersede Delhi (with a
    pointer) and then merely confirms the closed Delhi. ``stated_at`` is when the
    candidates were said (the message's time); see :func:`~hybridmem.domain.slots.closing_time`.
    """
    strangers = sorted({fact.user_id for fact in existing} - {user_id})
    if strangers:
        raise InvalidInput("existing facts belong to another user", details={"user_ids": strangers})
    state = _State(existing)
    for group in _corrections(candidates):
        _correct(state, group, user_id=user_id, new_id=new_id, stated_at=stated_at)
    ordered = sorted(
        (
            (index, candidate)
            for index, candidate in enumerate(candidates)
            if not (candidate.revision is Revision.CORRECTION and candidate.is_current)
        ),
        key=lambda item: (not item[1].is_current, item[1].valid_from, item[0]),
    )
    for _, candidate in ordered:
        if candidate.revision is Revision.ENDING and candidate.valid_to is not None:
            _end(state, candidate)
        elif candidate.is_current:
            _add_current(state, candidate, user_id=user_id, new_id=new_id, stated_at=stated_at)
        else:
            _add_closed(state, candidate, user_id=user_id, new_id=new_id)
    return TemporalPlan(state.decisions())
