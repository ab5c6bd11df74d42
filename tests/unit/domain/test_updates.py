"""Updates and corrections: what the rules read in change talk, and what the temporal rules
do with it (corrections remove the slip, endings close without inventing history)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.facts import Fact, FactCandidate, Revision
from hybridmem.domain.messages import Role
from hybridmem.domain.recall import ItemRef, MemoryItem, past_first
from hybridmem.domain.router import plan_read, plan_write
from hybridmem.domain.slots import competes, competing_attributes
from hybridmem.domain.stores import Store
from hybridmem.domain.temporal import plan_temporal_update
from tests.support.talk import candidates, facts_after, sequential_ids

T0 = datetime(2025, 6, 1, tzinfo=UTC)


ids = sequential_ids


def said(text: str, minutes: int = 0) -> list[FactCandidate]:
    return candidates(text, T0, minutes)


def conversation(*messages: str) -> list[Fact]:
    """The facts after each message's candidates went through the temporal rules in turn."""
    return facts_after(T0, *messages)


def state(facts: Sequence[Fact]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    current = {(f.attribute.value, f.value) for f in facts if f.is_current}
    closed = {(f.attribute.value, f.value) for f in facts if not f.is_current}
    return current, closed


def pairs(text: str) -> set[tuple[str, str, bool]]:
    return {(c.attribute.value, c.value, c.is_current) for c in said(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm Nigerian", {("nationality", "Nigerian", True)}),
        ("i have a swiss passport", {("nationality", "Swiss", True)}),
        ("I'm a proud Welsh citizen", {("nationality", "Welsh", True)}),
        ("works at a pharmacy in york",
         {("employer", "a pharmacy", True), ("location", "York", True)}),
        ("29, from Lagos, living in Accra, pharmacist",
         {("age", "29", True), ("hometown", "Lagos", True), ("location", "Accra", True),
          ("occupation", "pharmacist", True)}),
        ("love olives, hate capers", {("likes", "olives", True), ("dislikes", "capers", True)}),
        ("our three daughters are called Ada, Bea and Cy",
         {("family_member", "Ada", True), ("family_member", "Bea", True),
          ("family_member", "Cy", True)}),
        ("I've got two hamsters: Nova and Pixel", {("pet", "Nova", True), ("pet", "Pixel", True)}),
        ("we adopted a puppy, we called her Mabel", {("pet", "Mabel", True)}),
        ("Oxford is home now", {("location", "Oxford", True)}),
        ("most evenings I go running", {("hobbies", "running", True)}),
        ("just turned 40 🥳🎂", {("age", "40", True)}),
        ("I became a plumber", {("occupation", "plumber", True)}),
    ],
)  # fmt: skip
def test_everyday_phrasing_is_read(text: str, expected: set[tuple[str, str, bool]]) -> None:
    assert pairs(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Is it true that Kenyans run fast?",
        "My cousin is Kenyan",
        "I wish I had a Swiss passport",
        "My neighbour's dog Rex passed away",
        "hopefully Oxford will be home soon",
        "Do you think I should become a plumber?",
        "sorry for the late reply",
        "my boss works at a bakery in York",
    ],
)
def test_questions_wishes_and_other_peoples_facts_stay_out(text: str) -> None:
    assert said(text) == []


def test_a_correction_removes_the_slip_and_dates_the_fix_from_it() -> None:
    facts = conversation("I live in Derby.", "oops, I meant Dorset, not Derby")
    current, closed = state(facts)
    assert current == {("location", "Dorset")}
    assert closed == set()
    assert facts[0].valid_from == T0


def test_a_bare_correction_picks_the_attribute_whose_value_it_names() -> None:
    facts = conversation("I work at Aldi.", "I'm from Derby", "typo: Lidl, not Aldi")
    current, _ = state(facts)
    assert current == {("employer", "Lidl"), ("hometown", "Derby")}


def test_without_the_wrong_value_a_correction_fixes_what_was_said_last() -> None:
    facts = conversation("I'm from Derby", "I live in Hull", "sorry, I meant Leeds")
    assert state(facts) == ({("hometown", "Derby"), ("location", "Leeds")}, set())


def test_a_statement_after_a_marker_is_a_correction() -> None:
    facts = conversation("I'm 52", "wait no, I'm 53")
    assert state(facts) == ({("age", "53")}, set())


def test_a_correction_with_nothing_to_correct_adds_nothing() -> None:
    assert conversation("sorry, I meant Leeds, not Leicester") == []


def test_a_correction_repoints_what_the_slip_superseded() -> None:
    facts = conversation("I live in Paris", "I moved to Lyon", "sorry, Lille, not Lyon")
    by_value = {f.value: f for f in facts}
    assert set(by_value) == {"Paris", "Lille"}
    assert by_value["Paris"].superseded_by == by_value["Lille"].fact_id


def test_the_plan_marks_the_slip_removed() -> None:
    facts = conversation("I live in Derby.")
    plan = plan_temporal_update(
        facts, said("sorry, I meant Dorset", 5), user_id="u", new_id=ids("p")
    )
    assert [f.value for f in plan.removed] == ["Derby"]
    assert [f.value for f in plan.added] == ["Dorset"]


def test_endings_close_what_holds_and_invent_nothing() -> None:
    facts = conversation("I have a cat named Olive.", "Olive died last night")
    assert state(facts) == (set(), {("pet", "Olive")})
    assert conversation("Olive died last night") == []


def test_changes_close_the_old_value() -> None:
    facts = conversation("I work at Tesco.", "I left Tesco and started at Boots")
    assert state(facts) == ({("employer", "Boots")}, {("employer", "Tesco")})
    facts = conversation("I do karate.", "I don't do karate anymore, I switched to judo")
    assert state(facts) == ({("hobbies", "judo")}, {("hobbies", "karate")})
    facts = conversation("Ben is my boyfriend", "Ben and I split up")
    assert state(facts) == (set(), {("partner", "Ben")})


def test_a_new_favourite_of_a_category_replaces_the_old_one() -> None:
    facts = conversation("My favourite film is Alien.", "these days my favourite film is Heat")
    assert state(facts) == ({("likes", "Heat")}, {("likes", "Alien")})
    plain = conversation("I like Alien.", "I like Heat.")
    assert state(plain) == ({("likes", "Alien"), ("likes", "Heat")}, set())


@given(st.sampled_from(list(Attribute)))
def test_competing_attributes_cover_every_competitor(attribute: Attribute) -> None:
    spans = competing_attributes(attribute)
    assert attribute in spans
    probe = FactCandidate(attribute, "x", T0)
    for other in Attribute:
        if competes(probe, FactCandidate(other, "x", T0)):
            assert other in spans


@given(
    st.sampled_from(["Leeds", "Hull", "York", "Bath"]),
    st.sampled_from(["Leeds", "Hull", "York", "Bath"]),
)
def test_a_corrected_slip_is_never_kept(wrong: str, right: str) -> None:
    facts = conversation(f"I live in {wrong}.", f"sorry, I meant {right}, not {wrong}")
    values = {f.value for f in facts}
    assert right in values
    if wrong != right:
        assert wrong not in values
    assert all(f.is_current for f in facts)


def test_corrections_and_endings_are_marked() -> None:
    assert {c.revision for c in said("sorry, I meant Leeds")} == {Revision.CORRECTION}
    assert {c.revision for c in said("Rex passed away")} == {Revision.ENDING}
    assert {c.revision for c in said("I live in Leeds")} == {Revision.STATEMENT}


def test_the_write_gate_lets_subjectless_statements_through() -> None:
    assert plan_write("hate mushrooms, love sushi", Role.USER).extract
    assert plan_write("Rex passed away", Role.USER).extract
    assert not plan_write("what a day", Role.USER).extract
    assert not plan_write("love sushi?", Role.USER).extract


def test_questions_about_the_past_prefer_closed_facts() -> None:
    assert plan_read("Where did I live before?").prefers_past
    assert plan_read("What was my old job?").prefers_past
    assert not plan_read("Where do I live?").prefers_past
    asked = plan_read("Do I like olives?")
    assert {Attribute.LIKES, Attribute.DISLIKES} <= set(asked.attributes)


def _item(name: str, closed: bool) -> MemoryItem:
    return MemoryItem(ItemRef(Store.FACTS, name), name, valid_to=T0 if closed else None)


@given(st.lists(st.booleans(), max_size=8))
def test_past_first_is_a_stable_partition(closed: list[bool]) -> None:
    items = [_item(f"i{n}", c) for n, c in enumerate(closed)]
    ordered = past_first(items)
    assert sorted(ordered, key=lambda i: i.text) == sorted(items, key=lambda i: i.text)
    flags = [item.valid_to is not None for item in ordered]
    assert flags == sorted(flags, reverse=True)
    assert [i for i in ordered if i.valid_to] == [i for i in items if i.valid_to]
