"""Precision rules of the rule extractor: quoted or reported text, comma remarks after a list,
negated values, another person's relations, a move's old city and debris in values. The
sentences are our own (not the labelled sets'); each group has positive controls showing the
real facts are still read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import Fact, FactCandidate, Revision
from hybridmem.domain.messages import Role
from hybridmem.domain.router import plan_write
from hybridmem.domain.temporal import plan_temporal_update

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def said(text: str) -> list[FactCandidate]:
    return extract_facts(text, message_id="m1", observed_at=T0)


def current(text: str) -> set[tuple[str, str]]:
    """(attribute, value) of the facts ``text`` states as holding now."""
    return {
        (c.attribute.value, c.value)
        for c in said(text)
        if c.is_current and c.revision is not Revision.ENDING
    }


# --- 1. quoted or reported text is not the user's statement ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Translate 'I am a nurse and I live in Porto' into Portuguese",
        "Translate I work at Siemens and I have two cats into German",
        "please translate: I'm a vegetarian and I love jazz",
        "the line 'I live in Vienna' is from a song I like",
        'my colleague wrote "I am allergic to peanuts" on the form',
        "how do I say I am from Chile in Italian",
        "how would you say I have a dog named Rex in French",
        'Can you proofread this: "I works as a engineer at Bosch"',
        "Correct this sentence: I am live in Berlin since 2019.",
        "check my grammar: I have lived in Rome for ten years",
        "correct this: I am working in Accenture",
        "Rephrase: I hate mornings and I love coffee",
        "I need to translate I am married with two kids into Japanese",
    ],
)
def test_quoted_or_language_request_text_gives_no_facts(text: str) -> None:
    assert said(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live in Lyon. Translate 'I love cats' into Spanish", {("location", "Lyon")}),
        ("fix my bike first, I live in Leeds and cycle to work", {("location", "Leeds")}),
        ("My dog's name is Rufus and my parents' house is in York", {("pet", "Rufus")}),
        ("My cat is called 'Mittens'", {("pet", "Mittens")}),
        ("I'm a 'senior' developer at Spotify", {("occupation", "senior developer"),
                                                   ("employer", "Spotify")}),
        ("I speak French and I'm learning how to say things in Italian",
         {("languages", "French")}),
    ],
)  # fmt: skip
def test_statements_beside_quotes_are_still_read(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= current(text)


@pytest.mark.parametrize(
    ("text", "extract"),
    [
        ("Translate 'I am a teacher and I live in Lima' into Spanish", False),
        ("'I live in Rome' was the first line of the novel", False),
        ("how do I say I have two sons in Dutch", False),
        ("I live in Lima. Translate 'I love cats' into Spanish", True),
    ],
)
def test_the_write_gate_ignores_quoted_first_person(text: str, extract: bool) -> None:
    # no LLM extraction either: the quoted words are not the user's
    assert plan_write(text, Role.USER).extract is extract


def test_a_quoted_message_gives_only_the_relative_who_sent_it() -> None:
    # the sister is the subject of "texted" (a relative the user has); her words are hers
    assert current("my sister texted 'I just moved to Oslo'") == {("family_member", "sister")}


# --- 2. a clause after a comma is not another list item -------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love thai curry, the spicier the better", {("likes", "thai curry")}),
        ("I hate spiders, they freak me out", {("dislikes", "spiders")}),
        ("huge fan of Arsenal, been a season ticket holder for years", {("likes", "Arsenal")}),
        ("I love board games, especially on rainy days", {("likes", "board games")}),
        ("I hate reality tv, it is so fake", {("dislikes", "reality tv")}),
        ("i play rugby saturday league, scrum half", {("hobbies", "rugby")}),
        ("I play netball on tuesday nights", {("hobbies", "netball")}),
        ("i play hockey, left wing", {("hobbies", "hockey")}),
    ],
)
def test_a_comma_remark_is_not_a_second_item(text: str, expected: set[tuple[str, str]]) -> None:
    facts = current(text)
    assert facts == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I like tea, coffee and jazz", {("likes", "tea"), ("likes", "coffee"), ("likes", "jazz")}),
        ("I love sushi, ramen, dumplings", {("likes", "sushi"), ("likes", "ramen"),
                                             ("likes", "dumplings")}),
        ("My hobbies are chess, tennis and golf", {("hobbies", "chess"), ("hobbies", "tennis"),
                                                    ("hobbies", "golf")}),
        ("I speak English, Hindi and a bit of Tamil", {("languages", "English"),
                                                        ("languages", "Hindi"),
                                                        ("languages", "Tamil")}),
        ("I have a son, Theo", {("family_member", "Theo")}),
        ("i love climbing, surfing", {("likes", "climbing"), ("likes", "surfing")}),
    ],
)  # fmt: skip
def test_real_lists_still_split(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= current(text)


# --- 3. negated values are not stored -------------------------------------------------------


def test_a_negated_diet_closes_the_stored_one_and_is_not_recorded() -> None:
    text = "I'm not vegan anymore but I'm still vegetarian"
    assert current(text) == {("diet", "vegetarian")}
    vegan = [c for c in said(text) if c.value == "vegan"]
    assert [c.revision for c in vegan] == [Revision.ENDING]
    stored = Fact(
        fact_id="f1", user_id="u", attribute=Attribute.DIET, value="vegan",
        valid_from=datetime(2025, 1, 1, tzinfo=UTC), provenance=("m0",),
    )  # fmt: skip
    ids = iter(["f2", "f3"])
    plan = plan_temporal_update(
        [stored], said(text), user_id="u", new_id=lambda: next(ids), stated_at=T0
    )
    facts = plan.apply([stored])
    assert {(f.value, f.is_current) for f in facts} == {("vegan", False), ("vegetarian", True)}


def test_a_negated_diet_alone_records_nothing() -> None:
    ids = iter(["f1", "f2"])
    plan = plan_temporal_update(
        [], said("I am not a vegetarian any more"), user_id="u", new_id=lambda: next(ids),
        stated_at=T0,
    )  # fmt: skip
    assert plan.apply([]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm not vegan, I just like salads", {("likes", "salads")}),
        ("I'm not Greek, I just love feta", {("likes", "feta")}),
        ("I'm not vegan, just cutting down on meat", set()),
        ("I'm not a doctor, I just volunteer at the clinic", set()),
        ("I'm not really into jazz, I prefer blues", {("dislikes", "jazz"), ("likes", "blues")}),
    ],
)
def test_the_negated_part_is_never_stored(text: str, expected: set[tuple[str, str]]) -> None:
    assert current(text) == expected


# --- 4. another person's relation is not the user's status ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my boyfriend's mum is Italian",
        "My wife's brother works at Deloitte",
        "my girlfriend's dad is a pilot",
        "My husband's parents live in Seville",
    ],
)
def test_a_partners_relative_implies_no_status(text: str) -> None:
    attributes = {c.attribute for c in said(text)}
    assert Attribute.RELATIONSHIP_STATUS not in attributes
    assert Attribute.NATIONALITY not in attributes
    assert Attribute.LOCATION not in attributes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my boyfriend Jamal is a chef", {("partner", "Jamal"),
                                          ("relationship_status", "in a relationship")}),
        ("my husband's name is Omar", {("partner", "Omar"), ("relationship_status", "married")}),
        ("my girlfriend loves climbing", {("relationship_status", "in a relationship")}),
    ],
)  # fmt: skip
def test_the_users_own_partner_still_counts(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= current(text)


# --- 5. a move's "from" city is the past location -------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I moved to Perth last year from Wellington",
        "I moved from Wellington to Perth last year",
        "Relocated to Perth in 2024 from Wellington",
    ],
)
def test_a_moves_from_city_is_closed(text: str) -> None:
    facts = [c for c in said(text) if c.attribute is Attribute.LOCATION]
    assert {(c.value, c.is_current) for c in facts} == {("Perth", True), ("Wellington", False)}


# --- 6. debris in values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my birthday is coming up on 21 october", {("birthday", "October 21")}),
        ("my birthday is coming up on the 3rd of june", {("birthday", "June 3")}),
        ("Severe tree nut allergy", {("allergies", "tree nuts")}),
        ("I have a mild peanut allergy", {("allergies", "peanuts")}),
        ("I'm severely allergic to shellfish", {("allergies", "shellfish")}),
        ("pollen allergy here", {("allergies", "pollen")}),
        ("I'm lactose intolerant", {("other", "lactose intolerant")}),
        ("i'm gluten intolerant", {("other", "gluten intolerant")}),
    ],
)
def test_values_lose_their_debris(text: str, expected: set[tuple[str, str]]) -> None:
    assert current(text) == expected
