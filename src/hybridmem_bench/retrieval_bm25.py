"""The plain BM25 baseline over raw turns for ``hybridmem bench retrieval --baseline bm25``."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

_STOP_TEXT = """a an the and or but if of at by for with about to from in on into over after before
    is am are was were be been being do does did doing have has had having i me my we our
    you your he him his she her it its they them their what which who whom whose when where
    why how this that these those there here as so than too very can could will would shall
    should may might must not no nor just s t"""
_STOPWORDS = frozenset(_STOP_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-cased alphanumeric words minus a short stop list (no stemming)."""
    return [word for word in _TOKEN.findall(text.lower()) if word not in _STOPWORDS]


class BM25:
    """Okapi BM25 over a fixed set of documents (k1=1.2, b=0.75, Lucene's non-negative
    idf); deterministic: equal scores keep document order."""

    def __init__(
        self, documents: Sequence[tuple[str, str]], *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self._ids = [doc_id for doc_id, _ in documents]
        self._k1, self._b = k1, b
        lengths: list[int] = []
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, (_, text) in enumerate(documents):
            words = tokenize(text)
            lengths.append(len(words))
            for word, count in Counter(words).items():
                self._postings[word].append((index, count))
        self._lengths = lengths
        self._average = (sum(lengths) / len(lengths)) if lengths else 0.0
        total = len(documents)
        self._idf = {
            word: math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for word, posting in self._postings.items()
        }

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        """The ``limit`` best documents matching at least one query word, best first."""
        scores: dict[int, float] = defaultdict(float)
        # each distinct query word counts once
        for word in dict.fromkeys(tokenize(query)):
            posting = self._postings.get(word)
            if not posting:
                continue
            idf = self._idf[word]
            for index, count in posting:
                norm = self._k1 * (1 - self._b + self._b * self._lengths[index] / self._average)
                scores[index] += idf * count * (self._k1 + 1) / (count + norm)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
        return [(self._ids[index], score) for index, score in ranked]
