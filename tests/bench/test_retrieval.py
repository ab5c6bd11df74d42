"""``hybridmem bench retrieval``: LoCoMo parsing, evidence normalization, BM25, scoring,
and a full run on our fixture through the library API (structure and sanity, no target)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hybridmem
from hybridmem.domain.accounts import ID_PATTERN
from hybridmem_bench.commands import bench_app
from hybridmem_bench.retrieval import (
    BM25,
    evidence_recall,
    load_file,
    load_samples,
    normalize_dia_id,
    normalize_evidence,
    parse_session_time,
    render_markdown,
    run_retrieval_benchmark,
    tokenize,
)
from tests.bench.fixture_data import FIXTURE, build

KS = [1, 5, 10, 25, 50]


# ------------------------------------------------------------------ parsing, no database


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D1:3", "D1:3"),
        (" D1:3 ", "D1:3"),
        ("D:11:26", "D11:26"),
        ("D30:05", "D30:5"),
        ("d2:4", "D2:4"),
        ("D", None),
        ("D8:6; D9:17", None),
        ("", None),
    ],
)
def test_normalize_dia_id(raw, expected):
    assert normalize_dia_id(raw) == expected


def test_normalize_evidence_handles_locomo_irregularities():
    known = {"D8:6", "D9:17", "D11:26", "D30:5", "D9:1", "D4:4", "D4:6", "D1:1"}
    resolved, unresolvable, normalized = normalize_evidence(
        ["D8:6; D9:17", "D:11:26", "D30:05", "D9:1 D4:4 D4:6", "D", "D4:36", "D1:1", "D1:1"],
        known,
    )
    assert resolved == ("D8:6", "D9:17", "D11:26", "D30:5", "D9:1", "D4:4", "D4:6", "D1:1")
    assert unresolvable == ("D", "D4:36")
    assert normalized == 5  # joined, colon, zero-padded, space-separated, bare "D"


def test_session_time_parses_locomo_dates():
    when = parse_session_time("1:56 pm on 8 May, 2023")
    assert (when.year, when.month, when.day, when.hour, when.minute) == (2023, 5, 8, 13, 56)
    assert parse_session_time("12:09 am on 13 September, 2023").hour == 0
    assert parse_session_time("sometime in spring") is None


def test_only_session_keys_hold_turns_and_dates_follow_sessions():
    [sample] = load_samples(
        {
            "speaker_a": "Ann",
            "speaker_b": "Bo",
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ann", "dia_id": "D1:1", "text": "I adopted a cat."},
                {"speaker": "Bo", "dia_id": "D1:2", "text": "", "blip_caption": "a cat"},
                {"speaker": "Bo", "dia_id": "D1:3", "text": "Cute!"},
            ],
            "session_2_date_time": "not a date",
            "session_2": [{"speaker": "Bo", "dia_id": "D1:3", "text": "Duplicate id."}],
            "session_3_date_time": "9:00 am on 9 May, 2023",  # no session_3: never a session
            "qa": [
                {"question": "Q?", "answer": "A", "evidence": ["D1:1", "D"], "category": 4},
                {"question": "Q2?", "adversarial_answer": "A", "evidence": [], "category": 5},
            ],
        }
    )
    assert sample.sessions == 2
    assert [t.dia_id for t in sample.turns] == ["D1:1", "D1:2", "D1:3", "X2.1"]
    assert sample.turns[1].text == "[shares a cat]"  # the caption is what was shared
    assert sample.irregular_turn_ids == 1
    assert sample.unparsed_dates == 1
    assert sample.turns[3].occurred_at > sample.turns[2].occurred_at
    assert sample.turns[1].occurred_at > sample.turns[0].occurred_at
    first, second = sample.questions
    assert first.evidence == ("D1:1",)
    assert first.unresolvable == ("D",)
    assert second.evidence == ()
    assert second.answer == "A"


def test_bm25_ranks_by_rare_words_and_is_deterministic():
    index = BM25(
        [
            ("D1:1", "I adopted a grey kitten called Pepper"),
            ("D1:2", "The weather is grey and the sky is grey"),
            ("D1:3", "Pepper bosses the dog around"),
            ("D1:4", "Nothing relevant here at all"),
        ]
    )
    hits = index.search("What is the kitten called?", 10)
    assert hits[0][0] == "D1:1"
    assert [doc for doc, _ in index.search("pepper", 10)] == ["D1:3", "D1:1"]  # shorter first
    assert index.search("pepper grey", 10) == index.search("pepper grey", 10)
    assert index.search("zebra", 10) == []
    assert tokenize("What did Priya's dog eat?") == ["priya", "dog", "eat"]


def test_evidence_recall():
    assert evidence_recall(["D1:1", "D2:2"], [("D1:1",), ("D3:3",)]) == 0.5
    assert evidence_recall(["D1:1"], [("D2:2", "D1:1")]) == 1.0
    assert evidence_recall(["D1:1"], []) == 0.0


# ------------------------------------------------------------------------- the fixture


def test_fixture_file_is_built_from_its_source():
    assert json.loads(FIXTURE.read_text(encoding="utf-8")) == build()


def test_fixture_shape():
    samples = load_file(FIXTURE)
    assert len(samples) >= 3
    assert all(sample.sessions >= 8 for sample in samples)
    questions = [q for sample in samples for q in sample.questions]
    assert len(questions) >= 100
    assert set(Counter(q.category for q in questions)) == {1, 2, 3, 4, 5}
    assert all(q.evidence for q in questions)  # every question answerable from some turn
    assert all(len(q.evidence) >= 2 for q in questions if q.category == 1)
    for sample in samples:
        assert all(ID_PATTERN.match(turn.dia_id) for turn in sample.turns)
        assert {turn.speaker for turn in sample.turns} == {sample.speaker_a, sample.speaker_b}


# ---------------------------------------------------------------- a run, on the database


def _check_report(report: dict, *, with_bm25: bool) -> None:
    assert report["k"] == KS
    data = report["dataset"]
    assert data["questions"] == data["questions_scored"] == 121
    assert data["evidence_unresolvable"] == 2  # the fixture's bare "D" and "D12:1"
    assert sorted(data["evidence_unresolvable_examples"]) == ["D", "D12:1"]
    assert data["evidence_entries_normalized"] >= 4
    assert data["sessions"] == 33  # the dangling session_9_date_time is not a session
    assert report["ingest"]["turns_per_s"] > 0
    systems = report["systems"]
    assert set(systems) == ({"hybridmem", "bm25"} if with_bm25 else {"hybridmem"})
    for summary in systems.values():
        scopes = [summary["recall"]["1-4"], summary["recall"]["1-5"]]
        scopes += [entry["recall"] for entry in summary["recall"]["by_category"].values()]
        for recall in scopes:
            values = [recall[str(k)] for k in KS]
            assert all(0.0 <= value <= 1.0 for value in values)
            assert values == sorted(values)  # recall@50 >= ... >= recall@1
        assert set(summary["recall"]["by_category"]) == {"1", "2", "3", "4", "5"}
        tokens = [summary["context_tokens_mean"][str(k)] for k in KS]
        assert tokens == sorted(tokens)
        assert tokens[-1] > 0
        latency = summary["search_latency"]
        assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"]
    assert systems["hybridmem"]["top_k_kinds"]  # items did come back
    assert len(report["questions"]) == 121
    table = render_markdown(report)
    assert "| **1–4** | 102 |" in table
    assert ("hybridmem / BM25" in table) is with_bm25


async def test_benchmark_on_the_fixture(database):
    samples = load_file(FIXTURE)
    async with hybridmem.open_memory(database.dsn, db_pool_max_size=4) as memory:
        report = await run_retrieval_benchmark(
            memory, samples, ks=KS, baseline="bm25", progress=False
        )
        _check_report(report, with_bm25=True)
        # the run's users are gone afterwards
        user_id = f"lc{report['run']}-hm-1-Priya"
        assert await memory.retrieve(user_id, "Where is Priya's flat?", limit=5) == []


async def test_one_user_mapping_runs_too(database):
    [sample] = load_file(FIXTURE)[:1]
    async with hybridmem.open_memory(database.dsn, db_pool_max_size=4) as memory:
        report = await run_retrieval_benchmark(
            memory, [sample], ks=[1, 10], mapping="one-user", progress=False
        )
    ours = report["systems"]["hybridmem"]
    assert report["mapping"] == "one-user"
    assert ours["recall"]["1-5"]["1"] <= ours["recall"]["1-5"]["10"]
    assert "bm25" not in report["systems"]


@pytest.mark.parametrize("database", ["server"], indirect=True)
def test_command_writes_json_and_a_table(database, tmp_path: Path):
    small = build()[:1]
    small[0]["qa"] = small[0]["qa"][:6]
    source = tmp_path / "small.json"
    source.write_text(json.dumps(small))
    output = tmp_path / "report.json"
    result = CliRunner().invoke(
        bench_app,
        [
            "retrieval",
            str(source),
            "--k",
            "1,5",
            "--baseline",
            "bm25",
            "--database-url",
            database.dsn,
            "--output",
            str(output),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(output.read_text())
    assert report["k"] == [1, 5]
    assert report["dataset"]["questions"] == 6
    assert "| category | questions | R@1 | R@5 |" in result.output
    bad = CliRunner().invoke(bench_app, ["retrieval", str(source), "--baseline", "tfidf"])
    assert bad.exit_code != 0


async def test_mirrored_mapping_stores_the_other_speaker_as_assistant(database):
    [sample] = load_samples(
        {
            "sample_id": "mini",
            "conversation": {
                "speaker_a": "Ann",
                "speaker_b": "Bo",
                "session_1_date_time": "1:56 pm on 8 May, 2023",
                "session_1": [
                    {"speaker": "Ann", "dia_id": "D1:1", "text": "I adopted a kitten called Miso."},
                    {"speaker": "Bo", "dia_id": "D1:2", "text": "My trumpet lessons start soon."},
                ],
            },
            "qa": [
                {
                    "question": "When do Bo's trumpet lessons start?",
                    "answer": "Soon",
                    "evidence": ["D1:2"],
                    "category": 4,
                },
            ],
        }
    )
    async with hybridmem.open_memory(database.dsn, db_pool_max_size=4) as memory:
        report = await run_retrieval_benchmark(
            memory, [sample], ks=[1, 5], mapping="mirrored", progress=False, keep=True
        )
        # Bo's memory alone answers the question about Bo, and holds Ann's turn as the
        # other side of the conversation
        history = await memory.history(f"lc{report['run']}-mini-Bo", "session-1")
        for user in ("Ann", "Bo"):
            await memory.forget_user(f"lc{report['run']}-mini-{user}")
    assert [(m.message_id, m.role.value) for m in history.items] == [
        ("D1:1", "assistant"),
        ("D1:2", "user"),
    ]
    assert report["systems"]["hybridmem"]["recall"]["1-5"]["5"] == 1.0
