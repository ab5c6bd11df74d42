"""``hybridmem bench scale``: texts, the dense baseline, and small runs of the command
through the library API (structure and sanity, no target)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.service.library import load_embedder
from hybridmem_bench.commands import bench_app
from hybridmem_bench.scale import DenseBaseline, Texts, render_markdown, target_p95_ms
from tests.bench.fixture_data import build


def _embedder_or_skip():
    try:
        return load_embedder()
    except UpstreamUnavailable:
        pytest.skip("the embedding model is not installed")


def test_messages_never_repeat_when_the_corpus_is_cycled():
    texts = Texts(["a b", "c d", "e f"], ["q1?", "q2?"])
    messages = [texts.message(i) for i in range(12)]
    assert messages[:3] == ["a b", "c d", "e f"]
    assert len(set(messages)) == len(messages)


def test_questions_are_never_handed_out_twice():
    texts = Texts(["a"], ["q1?", "q2?", "q3?"])
    first, second = texts.questions(2), texts.questions(4)
    assert set(first) | set(second[:1]) == {"q1?", "q2?", "q3?"}
    assert len(set(first + second)) == 6


def test_empty_corpus_is_refused():
    with pytest.raises(ValueError, match="no turns"):
        Texts([], ["q?"])


def test_synthetic_texts_are_varied():
    texts = Texts.synthetic()
    assert len({texts.message(i) for i in range(500)}) == 500
    assert len(set(texts.questions(100))) == 100


def test_targets_follow_the_issue():
    assert target_p95_ms(1000) == 30
    assert target_p95_ms(10_000) == 30
    assert target_p95_ms(100_000) == 60


def test_dense_baseline_finds_the_matching_message():
    baseline = DenseBaseline(_embedder_or_skip())
    texts = [
        "I adopted a golden retriever puppy named Bruno.",
        "The quarterly tax forms are due on Friday.",
        "We sailed across the lake at sunset.",
    ]
    baseline.add(texts, batch=2)
    assert baseline.size == 3
    assert baseline.search("What is my dog called?", 2)[0] == 0
    assert baseline.search("boat trip on the water", 5)[0] == 2
    assert len(baseline.search("anything", 5)) == 3


def _run(database, tmp_path: Path, *extra: str):
    output = tmp_path / "report.json"
    result = CliRunner().invoke(
        bench_app,
        [
            "scale",
            *extra,
            "--database-url",
            database.dsn,
            "--output",
            str(output),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(output.read_text()), result.output


@pytest.mark.parametrize("database", ["server"], indirect=True)
def test_text_only_run_writes_json_and_tables(database, tmp_path: Path):
    report, out = _run(
        database,
        tmp_path,
        *("--sizes", "120,50", "--queries", "5", "--embeddings", "off", "--baseline", "none"),
    )
    assert report["benchmark"] == "scale"
    assert report["embeddings"] == "off"
    assert report["baseline"] == "none"
    assert report["cleanup"] == "deleted"
    assert report["corpus"] == "synthetic"
    assert (
        len(report["machine"]["load_average"]) == len(report["machine"]["load_average_start"]) == 3
    )
    assert [row["messages"] for row in report["sizes"]] == [50, 120]
    assert [row["added"] for row in report["sizes"]] == [50, 70]  # grown, not re-ingested
    for row in report["sizes"]:
        assert row["queries"] == 5
        assert row["ingest_messages_per_s"] > 0
        assert 0 < row["retrieve"]["p50_ms"] <= row["retrieve"]["p95_ms"]
        assert row["mean_items"] > 0  # the history is recalled from
        assert "dense" not in row
    assert "**120 messages**" in out
    assert "| hybridmem `Memory.retrieve` |" in out
    assert "dense baseline" not in out


@pytest.mark.parametrize("database", ["server"], indirect=True)
def test_dense_baseline_run_on_a_corpus(database, tmp_path: Path):
    _embedder_or_skip()
    source = tmp_path / "corpus.json"
    source.write_text(json.dumps(build()[:1]))
    report, out = _run(
        database,
        tmp_path,
        *("--sizes", "40", "--queries", "3", "--embeddings", "off", "--corpus", str(source)),
    )
    [row] = report["sizes"]
    assert report["baseline"] == "dense"
    assert report["corpus"] == "corpus.json"
    assert row["dense"]["p95_ms"] > 0
    assert row["p95_ratio"] == round(row["retrieve"]["p95_ms"] / row["dense"]["p95_ms"], 2)
    assert "| dense baseline (numpy, exact cosine) |" in out
    assert "| ratio hybridmem / dense |" in out
    assert render_markdown(report) in out


@pytest.mark.parametrize(
    "options",
    [
        ["--baseline", "bm25"],
        ["--embeddings", "maybe"],
        ["--sizes", "0,10"],
        ["--sizes", "ten"],
        ["--queries", "0"],
        ["--frobnicate"],
    ],
)
def test_bad_options_are_refused(options):
    result = CliRunner().invoke(bench_app, ["scale", *options])
    assert result.exit_code == 2, result.output
