"""PNG plots of benchmark reports for docs/benchmarks.md (``hybridmem bench plot``).

Needs matplotlib, the ``bench`` extra (``pip install 'hybridmem[bench]'``). It is imported
only here, with the non-interactive Agg backend, so no display is ever needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# LoCoMo paper (Maharana et al., 2024): DRAGON's recall@10 retrieving dialog turns.
LOCOMO_DRAGON_RECALL_AT_10 = 0.662
SEARCH_P95_TARGET_MS = 25.0


def _pyplot() -> Any:
    try:
        import matplotlib  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "plots need matplotlib, which is not installed: pip install 'hybridmem[bench]' "
            "(or pip install matplotlib)"
        ) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]

    return plt


def plot_search_latency(memory_report: dict[str, Any], path: Path) -> Path:
    """Search latency p50/p95/p99 against facts per user, from a ``bench memory`` report."""
    plt = _pyplot()
    rows = sorted(memory_report["sizes"], key=lambda row: row["facts"])
    facts = [row["facts"] for row in rows]
    figure, axes = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for key, label, style in (
        ("p50_ms", "p50", "o-"),
        ("p95_ms", "p95", "s-"),
        ("p99_ms", "p99", "^-"),
    ):
        axes.plot(facts, [row["search"][key] for row in rows], style, label=label)
    axes.axhline(SEARCH_P95_TARGET_MS, color="grey", linestyle="--", linewidth=1)
    axes.annotate(
        f"target p95 ≤ {SEARCH_P95_TARGET_MS:g} ms at 10k",
        (facts[0], SEARCH_P95_TARGET_MS),
        textcoords="offset points",
        xytext=(0, 4),
        fontsize=8,
        color="grey",
    )
    axes.set_xscale("log")
    axes.set_xlabel("facts for one user")
    axes.set_ylabel("fact search latency (ms)")
    axes.set_ylim(bottom=0)
    axes.set_title(f"Fact search latency ({memory_report['machine']['date'][:10]})", fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def plot_recall(reports: list[tuple[str, dict[str, Any]]], path: Path) -> Path:
    """Evidence recall@k, hybridmem against BM25, one panel per (title, retrieval report);
    a panel titled with "LoCoMo" also marks the paper's DRAGON recall@10."""
    plt = _pyplot()
    figure, panels = plt.subplots(
        1, len(reports), figsize=(5.2 * len(reports), 4.0), dpi=120, squeeze=False
    )
    for axes, (title, report) in zip(panels[0], reports, strict=True):
        ks = report["k"]
        for system, colour, label in (
            ("hybridmem", "tab:blue", "hybridmem"),
            ("bm25", "tab:orange", "BM25"),
        ):
            summary = report["systems"].get(system)
            if summary is None:
                continue
            for scope, style in (("1-4", "-"), ("1-5", ":")):
                values = [summary["recall"][scope][str(k)] for k in ks]
                axes.plot(
                    ks,
                    values,
                    style,
                    marker="o",
                    color=colour,
                    label=f"{label}, categories {scope}",
                )
        if "locomo" in title.lower():
            axes.plot(
                [10], [LOCOMO_DRAGON_RECALL_AT_10], "k*", markersize=10, label="DRAGON @10 (paper)"
            )
        axes.set_xscale("log")
        axes.set_xticks(ks)
        axes.set_xticklabels([str(k) for k in ks])
        axes.set_ylim(0, 1)
        axes.set_xlabel("k (items retrieved)")
        axes.set_ylabel("evidence recall@k")
        questions = report["dataset"]["questions_scored"]
        axes.set_title(f"{title} ({questions} questions)", fontsize=10)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path
