"""Evidence recall@k for ``hybridmem bench retrieval``: the measure and its per-category
accumulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hybridmem.domain.recall import approximate_tokens
from hybridmem_bench.retrieval_locomo import CATEGORY_NAMES, Question
from hybridmem_bench.stats import summary_ms


def evidence_recall(evidence: Sequence[str], provenance: Iterable[Iterable[str]]) -> float:
    """|evidence ∩ the union of ``provenance``| / |evidence| (0 for no evidence)."""
    if not evidence:
        return 0.0
    covered: set[str] = set()
    for ids in provenance:
        covered.update(ids)
    return len(set(evidence) & covered) / len(set(evidence))


@dataclass
class Scores:
    """Per-question results of one system."""

    ks: tuple[int, ...]
    recall: list[dict[int, float]] = field(default_factory=list)
    tokens: list[dict[int, int]] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    first_hits: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    question_latencies: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        question: Question,
        texts: Sequence[str],
        provenance: Sequence[Sequence[str]],
        kinds: Sequence[str] = (),
    ) -> None:
        self.categories.append(question.category)
        self.recall.append({k: evidence_recall(question.evidence, provenance[:k]) for k in self.ks})
        self.tokens.append({k: approximate_tokens("\n".join(texts[:k])) for k in self.ks})
        evidence = set(question.evidence)
        self.first_hits.append(
            next((rank for rank, ids in enumerate(provenance, 1) if evidence & set(ids)), None)
        )
        self.kinds.update(kinds[: max(self.ks)])

    def summary(self) -> dict[str, Any]:
        def mean_recall(indexes: list[int]) -> dict[str, float | None]:
            return {
                str(k): (
                    round(sum(self.recall[i][k] for i in indexes) / len(indexes), 4)
                    if indexes
                    else None
                )
                for k in self.ks
            }

        every = range(len(self.categories))
        by_category = {
            str(category): {
                "name": CATEGORY_NAMES.get(category, "other"),
                "questions": len(indexes),
                "recall": mean_recall(indexes),
            }
            for category in sorted(set(self.categories))
            if (indexes := [i for i in every if self.categories[i] == category])
        }
        count = len(self.tokens)
        return {
            "questions": count,
            "recall": {
                "1-4": mean_recall([i for i in every if 1 <= self.categories[i] <= 4]),
                "1-5": mean_recall([i for i in every if 1 <= self.categories[i] <= 5]),
                "by_category": by_category,
            },
            "context_tokens_mean": {
                str(k): round(sum(t[k] for t in self.tokens) / count, 1) if count else None
                for k in self.ks
            },
            "search_latency": summary_ms(self.latencies),
            "question_latency": summary_ms(self.question_latencies),
            "top_k_kinds": dict(sorted(self.kinds.items())),
        }


# A short English stop list: BM25's idf already discounts common words; this only keeps
# question words ("what", "did") from matching every turn.
