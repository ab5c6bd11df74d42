"""Precision and recall of the rule extractor on the labelled corpus.

Print the figures (and every miss) with::

    .venv/bin/python -m tests.unit.domain.test_extraction_corpus
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import FactCandidate
from hybridmem.domain.text import normalize_text, normalize_value
from hybridmem_bench.extraction_scoring import ExtractionScore

CORPUS = Path(__file__).with_name("extraction_corpus.jsonl")
OBSERVED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.80

FactTuple = tuple[str, str, str, bool]


@dataclass
class CorpusScore:
    """Micro-averaged counts over the corpus (the bench's ``ExtractionScore``) and the
    sentences that were not exact."""

    sentences: int = 0
    counts: ExtractionScore = field(default_factory=lambda: ExtractionScore(0, 0, 0))
    misses: list[tuple[str, set[FactTuple], set[FactTuple]]] = field(default_factory=list)


def load_corpus() -> list[dict[str, object]]:
    """The labelled sentences, one JSON object per line."""
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _expected(fact: dict[str, object]) -> FactTuple:
    return (
        str(fact["attribute"]),
        normalize_value(str(fact["value"])),
        normalize_text(str(fact.get("qualifier") or "")),
        bool(fact.get("current", True)),
    )


def _predicted(candidate: FactCandidate) -> FactTuple:
    return (
        candidate.attribute.value,
        normalize_value(candidate.value),
        normalize_text(candidate.qualifier or ""),
        candidate.is_current,
    )


def score_corpus(split: str | None = None) -> CorpusScore:
    """Run the extractor over the corpus (or one split) and count exact matches.

    A match is the same attribute, normalized value, normalized qualifier and currency.
    """
    score = CorpusScore()
    for index, row in enumerate(load_corpus()):
        if split is not None and row["split"] != split:
            continue
        facts = row["facts"]
        assert isinstance(facts, list)
        expected = {_expected(fact) for fact in facts}
        found = extract_facts(str(row["text"]), message_id=f"m{index}", observed_at=OBSERVED_AT)
        predicted = {_predicted(candidate) for candidate in found}
        score.sentences += 1
        score.counts += ExtractionScore(
            len(expected & predicted), len(predicted - expected), len(expected - predicted)
        )
        if expected != predicted:
            score.misses.append((str(row["text"]), expected - predicted, predicted - expected))
    return score


def test_corpus_is_large_and_balanced() -> None:
    rows = load_corpus()
    kinds = [row["kind"] for row in rows]
    assert len(rows) >= 150
    assert kinds.count("negative") >= 40
    assert kinds.count("tricky") >= 25
    assert sum(len(facts) for row in rows if isinstance(facts := row["facts"], list)) >= 120
    assert {row["split"] for row in rows} == {"dev", "holdout", "blind"}


def test_precision_and_recall_meet_the_floors() -> None:
    score = score_corpus()
    assert score.counts.precision >= PRECISION_FLOOR, score.misses
    assert score.counts.recall >= RECALL_FLOOR, score.misses


def test_negative_sentences_yield_nothing() -> None:
    leaks = [
        (row["text"], extract_facts(str(row["text"]), message_id="m", observed_at=OBSERVED_AT))
        for row in load_corpus()
        if row["kind"] == "negative"
    ]
    assert [(text, found) for text, found in leaks if found] == []


def report() -> str:
    """Human-readable figures per split, then every sentence that was not exact."""
    lines: list[str] = []
    for split in (None, "dev", "holdout", "blind"):
        score = score_corpus(split)
        counts = score.counts
        lines.append(
            f"{split or 'all':8} sentences={score.sentences:4}  tp={counts.true_positives}"
            f"  fp={counts.false_positives}  fn={counts.false_negatives}"
            f"  precision={counts.precision:.3f}  recall={counts.recall:.3f}"
        )
    lines.append("")
    for text, missed, spurious in score_corpus().misses:
        lines.append(f"- {text!r}\n    missed: {sorted(missed)}\n    spurious: {sorted(spurious)}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
