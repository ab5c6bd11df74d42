"""``hybridmem bench answers``: case files, scoring, and a run through the real chat turn
(a scripted model here; the embedded one in docs/benchmarks.md)."""

from __future__ import annotations

import json

import pytest

from hybridmem_bench.answers import (
    DEFAULT_CASES,
    contains_any,
    load_cases,
    render_markdown,
    run_answers_benchmark,
)
from tests.support.api import drain_jobs


def test_the_dev_set_is_large_enough_and_well_formed():
    cases = load_cases(DEFAULT_CASES)
    assert len(cases) >= 40
    assert len({c.case_id for c in cases}) == len(cases)
    for case in cases:
        # asked in other words: the question does not repeat a statement
        assert all(case.question.casefold() not in s.casefold() for s in case.statements)
        assert any(contains_any(" ".join(case.statements), [e]) for e in case.expected)


def test_malformed_lines_are_named(tmp_path):
    path = tmp_path / "cases.jsonl"
    good = {
        "id": "a",
        "statements": ["I live in Delhi."],
        "question": "Where?",
        "expected": ["Delhi"],
    }
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({"id": "b"}) + "\n")
    with pytest.raises(ValueError, match="line 3"):
        load_cases(path)
    path.write_text(json.dumps({**good, "expected": []}) + "\n")
    with pytest.raises(ValueError, match="line 1"):
        load_cases(path)


def test_matching_ignores_case_and_accents():
    assert contains_any("You are from Krakow.", ["Kraków"])
    assert contains_any("YOU LIVE IN DELHI", ["Delhi"])
    assert not contains_any("You live in Mumbai.", ["Delhi", "New Delhi"])


async def test_a_run_through_the_chat_turn(app, client, model, tmp_path):
    path = tmp_path / "cases.jsonl"
    lines = [
        {
            "id": "lives",
            "statements": ["I live in Delhi."],
            "question": "Which city is my home?",
            "expected": ["Delhi"],
            "attribute": "location",
        },
        {
            "id": "dog",
            "statements": ["My dog's name is Bruno."],
            "question": "What is my dog called?",
            "expected": ["Bruno"],
            "attribute": "pet",
        },
        {
            "id": "derails",
            "statements": ["I work at Globex."],
            "question": "Who is my employer?",
            "expected": ["Globex"],
            "attribute": "employer",
        },
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    # the scripted model names the first memory line; the third question derails it
    original = model._answer

    def answer(system, messages):
        if messages[-1].content.endswith("Who is my employer?"):
            model.calls.append((system, list(messages)))
            return "As an AI language model, I cannot know that."
        return original(system, messages)

    model._answer = answer
    report = await run_answers_benchmark(
        client,
        app.state.settings,
        load_cases(path),
        progress=False,
        source=path.name,
        settle=lambda: drain_jobs(app),  # this app runs no worker of its own
    )
    summary = report["summary"]
    assert summary["questions"] == 3
    assert [r["id"] for r in report["results"]] == ["lives", "dog", "derails"]
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["lives"]["hit"]
    assert by_id["lives"]["recalled"]
    assert by_id["dog"]["hit"]
    assert not by_id["derails"]["hit"]
    assert by_id["derails"]["degenerate"] == "boilerplate"
    assert summary["degenerate"] == 1
    assert summary["hits"] == 2
    assert summary["reply_p95_s"] >= summary["reply_p50_s"] > 0
    assert "| 3 | 2 (67%) |" in render_markdown(report)
