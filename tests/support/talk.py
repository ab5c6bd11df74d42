"""What a user says, run through the rule extractor and the temporal rules, for the domain
tests of extraction and updates (one copy of the loop the write path runs)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import count

from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import Fact, FactCandidate
from hybridmem.domain.temporal import plan_temporal_update


def sequential_ids(prefix: str = "n") -> Callable[[], str]:
    """New fact ids ``{prefix}1``, ``{prefix}2``… in order."""
    counter: Iterator[int] = count(1)
    return lambda: f"{prefix}{next(counter)}"


def candidates(text: str, start: datetime, minutes: int = 0) -> list[FactCandidate]:
    """The facts the rules read in ``text``, said ``minutes`` after ``start``."""
    return extract_facts(
        text, message_id=f"m{minutes}", observed_at=start + timedelta(minutes=minutes)
    )


def facts_after(start: datetime, *messages: str, prefix: str = "n") -> list[Fact]:
    """The stored facts after each message went through the temporal rules, a minute apart."""
    facts: list[Fact] = []
    new_id = sequential_ids(prefix)
    for minute, text in enumerate(messages):
        plan = plan_temporal_update(
            facts, candidates(text, start, minute), user_id="u", new_id=new_id,
            stated_at=start + timedelta(minutes=minute),
        )  # fmt: skip
        facts = plan.apply(facts)
    return facts
