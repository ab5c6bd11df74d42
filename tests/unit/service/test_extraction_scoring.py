"""The scorer of ``hybridmem bench extraction``: value matching, P/R/F1, update checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem_bench.extraction_scoring import (
    ExtractionScore,
    Pair,
    UpdateCase,
    load_extraction_cases,
    load_update_cases,
    match_form,
    score_extraction,
    score_update,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Leeds", "leeds."),
        ("the NHS", "NHS"),
        ("a bakery", "Bakery"),
        ("Sainsbury's", "sainsbury s"),
        ("São  Paulo", "sao paulo"),
        ("sci-fi novels", "sci fi novels"),
    ],
)
def test_values_match_across_case_punctuation_articles_and_accents(left: str, right: str) -> None:
    assert match_form(left) == match_form(right)


@pytest.mark.parametrize(("left", "right"), [("Leeds", "Leeds Uni"), ("Tom", "Tim"), ("a", "b")])
def test_different_values_do_not_match(left: str, right: str) -> None:
    assert match_form(left) != match_form(right)


@pytest.mark.parametrize("value", ["the a leeds", "a the an x", "An the", "the\u0301 the x"])
def test_match_form_of_stacked_articles_is_stable(value: str) -> None:
    assert match_form(match_form(value)) == match_form(value)


@given(st.text(max_size=40))
def test_match_form_is_idempotent(value: str) -> None:
    assert match_form(match_form(value)) == match_form(value)


def test_precision_recall_f1_of_one_message() -> None:
    expected = [Pair("employer", "a bakery"), Pair("location", "Leeds")]
    predicted = [Pair("employer", "Bakery"), Pair("hobbies", "leeds"), Pair("employer", "bakery")]
    score = score_extraction(expected, predicted)
    assert score == ExtractionScore(1, 2, 1)
    assert score.precision == pytest.approx(1 / 3)
    assert score.recall == pytest.approx(1 / 2)
    assert score.f1 == pytest.approx(0.4)


def test_a_negative_case_scores_only_false_positives() -> None:
    assert score_extraction([], []) == ExtractionScore(0, 0, 0)
    assert score_extraction([], [Pair("name", "Kenyan")]) == ExtractionScore(0, 1, 0)
    assert ExtractionScore(0, 0, 0).precision == 1.0


@given(
    st.lists(st.sampled_from(["Leeds", "York", "Bath"]), max_size=4),
    st.lists(st.sampled_from(["leeds", "york", "Derby"]), max_size=4),
)
def test_counts_add_up(expected: list[str], predicted: list[str]) -> None:
    score = score_extraction(
        [Pair("location", v) for v in expected], [Pair("location", v) for v in predicted]
    )
    assert score.true_positives + score.false_positives == len(predicted)
    assert score.true_positives + score.false_negatives == len(expected)
    assert 0.0 <= score.f1 <= 1.0


def _case(**kwargs: tuple[Pair, ...]) -> UpdateCase:
    return UpdateCase(
        "u", ("m",), kwargs.get("current", ()), kwargs.get("past", ()), kwargs.get("absent", ())
    )


def test_a_correction_is_right_only_when_the_slip_is_gone() -> None:
    case = _case(current=(Pair("location", "Leeds"),), absent=(Pair("location", "Leicester"),))
    assert score_update(case, [Pair("location", "leeds")], []).fully_right
    kept_as_history = score_update(
        case, [Pair("location", "Leeds")], [Pair("location", "Leicester")]
    )
    assert not kept_as_history.fully_right
    assert kept_as_history.absent_ok == 0


def test_a_change_needs_the_old_value_closed_and_not_current() -> None:
    case = _case(current=(Pair("likes", "tea"),), past=(Pair("likes", "coffee"),))
    assert score_update(case, [Pair("likes", "tea")], [Pair("likes", "coffee")]).fully_right
    both = score_update(
        case, [Pair("likes", "tea"), Pair("likes", "coffee")], [Pair("likes", "coffee")]
    )
    assert not both.fully_right
    assert (both.current_ok, both.past_ok) == (1, 0)


def test_loaders_read_the_documented_formats_and_name_bad_lines(tmp_path: Path) -> None:
    cases = tmp_path / "x.jsonl"
    cases.write_text(
        json.dumps({"id": "x-1", "text": "hi", "expected": [{"attribute": "age", "value": "3"}]})
        + "\n\n"
    )
    assert load_extraction_cases(cases)[0].expected == (Pair("age", "3"),)
    updates = tmp_path / "u.jsonl"
    updates.write_text(json.dumps({"id": "u-1", "messages": ["a"], "current": [], "past": []}))
    assert load_update_cases(updates)[0].absent == ()
    updates.write_text('{"id": "u-1", "messages": []}\n')
    with pytest.raises(ValueError, match="line 1"):
        load_update_cases(updates)
    cases.write_text('{"id": "x-1"}\nnot json\n')
    with pytest.raises(ValueError, match="line 1"):
        load_extraction_cases(cases)


def test_the_dev_sets_load() -> None:
    data = Path(__file__).parents[2] / "data"
    extraction = load_extraction_cases(data / "extraction_dev.jsonl")
    updates = load_update_cases(data / "updates_dev.jsonl")
    assert len(extraction) >= 100
    assert len(updates) >= 30
    negatives = sum(1 for case in extraction if not case.expected)
    assert 0.15 <= negatives / len(extraction) <= 0.3
