"""``hybridmem bench embedding`` on the real model: a report with the figures it promises."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from hybridmem_bench.console import app


def test_the_report_has_latencies_throughputs_and_the_floor(tmp_path):
    from hybridmem.adapters.embeddings.minilm import bundled_model_dir

    if bundled_model_dir() is None:
        pytest.skip("the embedding model is not installed")
    output = tmp_path / "embedding.json"
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "embedding",
            "--queries",
            "5",
            "--messages",
            "6",
            "--batch",
            "3",
            "--output",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "query of 20 words" in result.output
    assert "in batches of 3" in result.output
    report = json.loads(output.read_text())
    assert report["model"] == "all-MiniLM-L6-v2"
    for key in ("query", "query_cached", "matmul_floor"):
        assert 0 < report[key]["p50_ms"] <= report[key]["p95_ms"] <= report[key]["max_ms"]
    # a cached query costs no forward pass: far below any computed one
    assert report["query_cached"]["p50_ms"] < report["query"]["p50_ms"] / 5
    assert report["batched_messages_per_s"] > 0
    assert report["one_by_one_messages_per_s"] > 0


def test_a_cpu_that_does_not_exist_is_refused():
    result = CliRunner().invoke(app, ["bench", "embedding", "--cpu", "4096"])
    assert result.exit_code == 2
    assert "cannot run on CPU 4096" in result.output
