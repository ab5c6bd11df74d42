"""``hybridmem bench plot``: PNGs from reports (skipped where matplotlib is not installed)."""

from __future__ import annotations

import pytest

from hybridmem_bench.plots import plot_recall, plot_search_latency

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def _retrieval(ours: list[float], theirs: list[float]) -> dict:
    ks = [1, 5, 10]

    def summary(values: list[float]) -> dict:
        recall = {str(k): v for k, v in zip(ks, values, strict=True)}
        return {"recall": {"1-4": recall, "1-5": recall}}

    return {
        "k": ks,
        "dataset": {"questions_scored": 3},
        "systems": {"hybridmem": summary(ours), "bm25": summary(theirs)},
    }


def test_plots_are_pngs(tmp_path):
    memory = {
        "machine": {"date": "2026-01-01 00:00 UTC"},
        "sizes": [
            {"facts": n, "search": {"p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0}}
            for n in (1000, 10000)
        ],
    }
    latency = plot_search_latency(memory, tmp_path / "latency.png")
    recall = plot_recall(
        [
            ("fixture", _retrieval([0.2, 0.5, 0.7], [0.1, 0.4, 0.6])),
            ("LoCoMo", _retrieval([0.3, 0.5, 0.6], [0.2, 0.5, 0.6])),
        ],
        tmp_path / "recall.png",
    )
    assert latency.read_bytes().startswith(PNG)
    assert recall.read_bytes().startswith(PNG)
