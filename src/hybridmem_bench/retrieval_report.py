"""Markdown of a ``hybridmem bench retrieval`` report."""

from __future__ import annotations

from typing import Any


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_markdown(report: dict[str, Any]) -> str:
    """Markdown tables of a retrieval report: recall@k per category (ours, and BM25 beside
    it when run), context size and search latency."""
    ks = [str(k) for k in report["k"]]
    systems = report["systems"]
    ours, bm25 = systems["hybridmem"], systems.get("bm25")
    data = report["dataset"]
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs, Python {m['python']}; "
        f"{data['samples']} conversations, {data['sessions']} sessions, {data['turns']} turns, "
        f"{data['questions_scored']} questions scored (of {data['questions']}); "
        f"{data['evidence_entries_normalized']} evidence entries normalized, "
        f"{data['evidence_unresolvable']} unresolvable skipped; "
        f"speakers mapped {report['mapping']}"
        + (f"; embeddings {report['embeddings']}" if report.get("embeddings") else "")
        + (f"; database {report['database']}" if report.get("database") else "")
        + ".",
        "",
        "Evidence recall@k" + (" — hybridmem / BM25:" if bm25 else ":"),
        "",
        "| category | questions | " + " | ".join(f"R@{k}" for k in ks) + " |",
        "|---|---:|" + "---:|" * len(ks),
    ]

    def row(label: str, count: int, mine: dict[str, Any], theirs: dict[str, Any] | None) -> str:
        cells = [
            _cell(mine[k]) + (f" / {_cell(theirs[k])}" if theirs is not None else "") for k in ks
        ]
        return f"| {label} | {count} | " + " | ".join(cells) + " |"

    for category, entry in ours["recall"]["by_category"].items():
        other = bm25["recall"]["by_category"][category]["recall"] if bm25 else None
        lines.append(row(f"{category} {entry['name']}", entry["questions"], entry["recall"], other))
    counts = {int(c): e["questions"] for c, e in ours["recall"]["by_category"].items()}
    for scope, label, low, high in (("1-4", "**1–4**", 1, 4), ("1-5", "**1–5**", 1, 5)):
        count = sum(n for c, n in counts.items() if low <= c <= high)
        other = bm25["recall"][scope] if bm25 else None
        lines.append(row(label, count, ours["recall"][scope], other))

    lines += [
        "",
        "| system | context tokens @" + " | @".join(ks) + " | search p50 ms | p95 ms | p99 ms |",
        "|---|" + "---:|" * (len(ks) + 3),
    ]
    for name, summary in systems.items():
        latency = summary["search_latency"]
        tokens = " | ".join(f"{summary['context_tokens_mean'][k]:,.0f}" for k in ks)
        lines.append(
            f"| {name} | {tokens} | {latency['p50_ms']} | {latency['p95_ms']} | "
            f"{latency['p99_ms']} |"
        )
    question = ours["question_latency"]
    lines += [
        "",
        f"hybridmem latency is per `Memory.retrieve` call; a question searches every speaker's "
        f"memory concurrently: p50 {question['p50_ms']} ms, p95 {question['p95_ms']} ms, "
        f"p99 {question['p99_ms']} ms per question. Ingest: {report['ingest']['turns_per_s']} "
        f"turns/s (recorded and extracted).",
    ]
    return "\n".join(lines)
