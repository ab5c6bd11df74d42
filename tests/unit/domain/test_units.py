"""Context units: a recalled message with its neighbours, never repeating a message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hybridmem.domain.messages import Message, Role
from hybridmem.domain.recall import ItemRef, MemoryItem, item_from_message
from hybridmem.domain.stores import Store
from hybridmem.domain.units import TurnWindow, units_to_expand, with_turns

T0 = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def said(position: int, text: str, name: str = "Caroline", day: int = 0) -> Message:
    at = T0 + timedelta(days=day, seconds=position)
    return Message(f"m{position}", "u", "s", Role.USER, text, name, at, at, {})


SESSION = [
    said(1, "How did the kids take the accident?", name="Melanie"),
    said(2, "They were scared but fine"),
    said(3, "We went camping after"),
    said(4, "Camping by the lake", day=1),
]


def windows(*hits: int, before: int = 0, after: int = 1) -> dict[str, list[Message]]:
    found = {}
    for hit in hits:
        position = hit - 1
        found[f"m{hit}"] = SESSION[max(0, position - before) : position + after + 1]
    return found


def hit(position: int) -> MemoryItem:
    return item_from_message(SESSION[position - 1], score=1.0 / position)


def test_a_message_brings_its_neighbours_and_cites_them() -> None:
    [unit] = with_turns([hit(1)], windows(1))
    assert unit.ref == ItemRef(Store.HISTORY, "m1")
    assert unit.provenance == ("m1", "m2")
    assert unit.score == 1.0  # the unit ranks where its message did
    assert unit.render() == (
        "- 2023-05-08 Melanie: How did the kids take the accident?\n"
        "  Caroline: They were scared but fine"
    )


def test_a_neighbour_on_another_day_shows_its_date() -> None:
    [unit] = with_turns([hit(3)], windows(3, before=1))
    assert unit.provenance == ("m2", "m3", "m4")
    assert unit.render().splitlines() == [
        "- 2023-05-08 Caroline: They were scared but fine",
        "  Caroline: We went camping after",
        "  2023-05-09 Caroline: Camping by the lake",
    ]


def test_units_never_repeat_a_message() -> None:
    units = with_turns([hit(1), hit(2), hit(3)], windows(1, 2, 3))
    # m2 is shown inside m1's unit, so its own unit goes; m3 then brings m4
    assert [u.ref.item_id for u in units] == ["m1", "m3"]
    assert [u.provenance for u in units] == [("m1", "m2"), ("m3", "m4")]
    # a neighbour already shown is left out of a later unit
    units = with_turns([hit(3), hit(1)], windows(3, 1, before=1))
    assert [u.provenance for u in units] == [("m2", "m3", "m4"), ("m1",)]


def test_facts_and_messages_without_a_window_stay_as_they_are() -> None:
    fact = MemoryItem(ItemRef(Store.FACTS, "f1"), "Likes camping", provenance=("m3",))
    units = with_turns([fact, hit(4)], {})
    assert units == [fact, hit(4)]


def test_only_the_history_items_a_context_can_show_are_expanded() -> None:
    fact = MemoryItem(ItemRef(Store.FACTS, "f1"), "Likes camping")
    assert units_to_expand([hit(2), fact, hit(3), hit(4)], 3) == ["m2", "m3"]


def test_a_turn_window_is_not_negative() -> None:
    assert TurnWindow().empty
    assert not TurnWindow(after=1).empty
    with pytest.raises(ValueError, match="negative"):
        TurnWindow(before=-1)
