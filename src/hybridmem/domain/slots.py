"""The slot rule: which current facts exclude each other, and which of them wins.

A *slot* is a place that holds one current claim at a time:

- every single-valued attribute is one slot per user ("location": Delhi *or* Mumbai), and
  the claim is the fact's key (value and qualifier);
- likes and dislikes (of one qualifier) share a slot, and the claim is which of the two
  a fact is; two favourites of one category (likes with that qualifier) compete; a like
  and a dislike compete when they are about the same thing:
  the same value, or near-identical ones ("Star Wars" / "Starwars") — the same
  near-identity consolidation merges duplicates by, so a merge never makes two facts stop
  competing.

Other facts (the second language, another pet) are in no slot and accumulate. Two current
facts that *compete* cannot both hold; the later one wins and closes the other. Both the
temporal rules (a new statement arriving) and consolidation (reconciling stored facts) use
these functions, so they cannot disagree on what competes or who wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hybridmem.domain.attributes import OPPOSITE_ATTRIBUTES, Attribute, is_single_valued
from hybridmem.domain.facts import FactCandidate
from hybridmem.domain.text import is_near_identical

_PREFERENCE = "preference"


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """Where a fact's claim lives (per user: callers never mix users in one slot)."""

    name: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Placement:
    """A fact's slot and its claim within it."""

    slot: Slot
    claim: str


def placement(fact: FactCandidate) -> Placement | None:
    """The slot and claim of ``fact``, or None when the attribute accumulates values."""
    key = fact.key
    if is_single_valued(fact.attribute):
        return Placement(Slot((fact.attribute.value,)), str(key))
    if fact.attribute in OPPOSITE_ATTRIBUTES:
        return Placement(Slot((_PREFERENCE, key.qualifier)), fact.attribute.value)
    return None


def competing_attributes(attribute: Attribute) -> frozenset[Attribute]:
    """The attributes whose current facts a new fact of ``attribute`` may compete with
    (what a writer must read before planning): its own, and the opposite preference."""
    opposite = OPPOSITE_ATTRIBUTES.get(attribute)
    return frozenset({attribute} if opposite is None else {attribute, opposite})


def competes(left: FactCandidate, right: FactCandidate) -> bool:
    """True when the two facts cannot both hold: one slot, different claims, and — for a
    like and a dislike — the same thing."""
    a, b = placement(left), placement(right)
    if a is None or b is None or a.slot != b.slot:
        return False
    if a.claim == b.claim:
        # A favourite ("my favourite food is sushi": a like with a category) is one per
        # category at a time; plain likes accumulate.
        return (
            left.attribute is Attribute.LIKES
            and bool(left.key.qualifier)
            and left.key.value != right.key.value
        )
    if is_single_valued(left.attribute):
        return True
    return left.key.value == right.key.value or is_near_identical(left.value, right.value)


def supersession_order(fact: FactCandidate, tie_break: str = "") -> tuple[datetime, str, str]:
    """Which of two competing stored facts is later: start time, then the claim, then
    ``tie_break`` (e.g. store and id). The claim comes before the tie-break so that a fact
    and its copy in another store rank the same way against a third fact."""
    found = placement(fact)
    return (fact.valid_from, found.claim if found else "", tie_break)


def closing_time(successor_start: datetime, stated_at: datetime, old_start: datetime) -> datetime:
    """When a superseded fact ends.

    At the successor's start, normally. A statement can date a change before the old
    fact's recorded start ("I moved to Mumbai last month", after "I live in Delhi" this
    morning): the old fact then held as far as anyone knew until the statement was made.
    Never before the old fact started.
    """
    if successor_start > old_start:
        return successor_start
    return max(stated_at, old_start)
