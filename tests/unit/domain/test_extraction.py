"""The rule extractor on the behaviours the design names (the corpus measures the rest)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import FactCandidate, FactSource
from hybridmem.domain.sentences import event_time, split_clauses, split_sentences
from hybridmem.domain.values import is_casual, to_gerund

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)

Summary = tuple[str, str, str | None, bool]


def facts_in(text: str) -> list[FactCandidate]:
    return extract_facts(text, message_id="m1", observed_at=NOW)


def summary(text: str) -> set[Summary]:
    return {(f.attribute.value, f.value, f.qualifier, f.is_current) for f in facts_in(text)}


def test_location_and_likes_in_one_sentence() -> None:
    assert summary("I live in Delhi and like chess.") == {
        ("location", "Delhi", None, True),
        ("likes", "chess", None, True),
    }


def test_a_named_pet() -> None:
    assert summary("My dog's name is Bruno") == {("pet", "Bruno", "dog", True)}


def test_a_move_closes_the_old_place_at_the_time_of_the_move() -> None:
    found = {f.value: f for f in facts_in("I moved from Delhi to Mumbai last month")}
    moved_at = NOW - timedelta(days=30)
    assert found["Mumbai"].is_current
    assert found["Mumbai"].valid_from == moved_at
    assert found["Delhi"].valid_to == moved_at
    assert found["Delhi"].attribute is found["Mumbai"].attribute is Attribute.LOCATION


@pytest.mark.parametrize(
    "text",
    [
        "I don't like jazz",
        "I do not really like jazz.",
        "I can't stand jazz",
        "I'm not a fan of jazz",
    ],
)
def test_negated_likes_become_dislikes_never_likes(text: str) -> None:
    assert summary(text) == {("dislikes", "jazz", None, True)}


@pytest.mark.parametrize(
    "text",
    [
        "Where do I live?",
        "Do I like chess?",
        "What's my dog called?",
        "do i live in delhi",
        "I live in Delhi, right?",
        "Remind me where I work.",
    ],
)
def test_questions_yield_nothing(text: str) -> None:
    assert facts_in(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "My friend lives in Paris",
        "If I lived in Rome, I would be happy.",
        "I might move to Berlin",
        "I'm going to move to Berlin next year.",
        "I wish I had a cat.",
        "I think I like jazz.",
        'She said "I love jazz".',
        "My colleague likes chess.",
        "I'd like a coffee.",
        "I don't live in Delhi.",
        "I'm not a teacher.",
    ],
)
def test_hypotheticals_hedges_others_and_denials_yield_nothing(text: str) -> None:
    assert facts_in(text) == []


def test_conjunctions_give_one_fact_per_item() -> None:
    assert summary("I like chess and tennis") == {
        ("likes", "chess", None, True),
        ("likes", "tennis", None, True),
    }
    assert summary("I speak Hindi, English and a bit of French.") == {
        ("languages", "Hindi", None, True),
        ("languages", "English", None, True),
        ("languages", "French", None, True),
    }


def test_known_compounds_stay_whole() -> None:
    assert summary("I love rock and roll") == {("likes", "rock and roll", None, True)}


def test_clitics_and_missing_apostrophes() -> None:
    assert summary("I'm a nurse") == summary("Im a nurse") == {("occupation", "nurse", None, True)}
    assert summary("I dont like olives") == {("dislikes", "olives", None, True)}


def test_the_display_form_keeps_capitals_and_casual_text_gets_them() -> None:
    assert summary("I live in New York City.") == {("location", "New York City", None, True)}
    assert summary("i live in new delhi") == {("location", "New Delhi", None, True)}


def test_past_statements_are_closed_facts() -> None:
    [fact] = facts_in("I used to live in Boston.")
    assert (fact.value, fact.valid_to) == ("Boston", NOW)
    [ended] = facts_in("I no longer work at Google.")
    assert ended.attribute is Attribute.EMPLOYER
    assert not ended.is_current


def test_ongoing_states_are_dated_back() -> None:
    [fact] = facts_in("I've been living in London for three years.")
    assert fact.valid_from == NOW - timedelta(days=3 * 365)
    [since] = facts_in("I have lived in Pune since 2019.")
    assert since.valid_from == datetime(2019, 1, 1, tzinfo=UTC)


def test_every_candidate_carries_provenance_source_and_confidence() -> None:
    for fact in facts_in("Hi, I'm Asha. I work at Google as an engineer and I love hiking."):
        assert fact.provenance == ("m1",)
        assert fact.source is FactSource.RULES
        assert 0 < fact.confidence <= 1
        assert fact.valid_from <= NOW


def test_a_message_yields_each_fact_once() -> None:
    assert len(facts_in("I love chess. I really love chess!")) == 1


def test_the_observation_time_must_be_aware() -> None:
    with pytest.raises(InvalidInput):
        extract_facts("I live in Delhi", message_id="m1", observed_at=datetime(2024, 1, 1))


def test_multi_fact_introductions() -> None:
    assert summary("Hi, I'm Sam. I'm a nurse and I love hiking. My cat's name is Tom.") == {
        ("name", "Sam", None, True),
        ("occupation", "nurse", None, True),
        ("likes", "hiking", None, True),
        ("pet", "Tom", "cat", True),
    }


def test_appositives_and_shared_subjects() -> None:
    assert summary("My wife Priya and I live in Pune.") == {
        ("partner", "Priya", "wife", True),
        ("relationship_status", "married", None, True),  # a wife implies it
        ("location", "Pune", None, True),
    }


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_breaks_the_extractor(text: str) -> None:
    for fact in extract_facts(text, message_id="m", observed_at=NOW):
        assert fact.value.strip()
        assert fact.valid_from <= NOW


# --- the text helpers the rules rely on ----------------------------------------------------


def test_sentences_and_questions() -> None:
    sentences = split_sentences(
        "I live in St. Louis. Where do you live? I like tea; you like coffee"
    )
    assert [s.text for s in sentences] == [
        "I live in St. Louis.",
        "Where do you live?",
        "I like tea",
        "you like coffee",
    ]
    assert [s.is_question for s in sentences] == [False, True, False, False]


def test_clauses_restore_a_shared_subject() -> None:
    assert split_clauses("I live in Delhi and like chess.") == ["I live in Delhi", "I like chess"]
    assert split_clauses("Honestly, I love tea but I hate coffee") == [
        "Honestly",
        "I love tea",
        "I hate coffee",
    ]


@pytest.mark.parametrize(
    ("phrase", "days"),
    [
        ("last month", 30),
        ("2 years ago", 730),
        ("a few weeks ago", 21),
        ("yesterday", 1),
        ("today", 0),
    ],
)
def test_relative_times_count_back_from_the_message(phrase: str, days: int) -> None:
    assert event_time(f"I moved {phrase}", NOW) == NOW - timedelta(days=days)


def test_a_year_in_the_future_is_ignored() -> None:
    assert event_time("since 2030", NOW) == NOW


def test_gerunds_for_infinitive_objects() -> None:
    assert [to_gerund(w) for w in ("to cook", "swim", "dance", "play chess", "lie", "read")] == [
        "cooking",
        "swimming",
        "dancing",
        "playing chess",
        "lying",
        "reading",
    ]


def test_casual_messages_are_all_lower_case() -> None:
    assert is_casual("i live in delhi. i like chess")
    assert is_casual("I live in delhi")
    assert not is_casual("I live in Delhi")


@pytest.mark.parametrize(
    "text",
    [
        "I like " + ", ".join(f"thing{n}" for n in range(3000)),
        "i like " + " and ".join("chess" for _ in range(5000)),
        "I live in" + " " * 50_000 + "Delhi",
        "I work at " + "as " * 20_000,
        "I moved from " + "to " * 20_000,
    ],
)
def test_long_pasted_text_stays_fast(text: str) -> None:
    started = time.perf_counter()
    extract_facts(text, message_id="m", observed_at=NOW)
    assert time.perf_counter() - started < 2.0
