"""The fast near-duplicate check agrees exactly with the full similarity."""

from __future__ import annotations

import random

from hybridmem.domain.text import is_near_identical, text_similarity

_WORDS = [
    "i",
    "went",
    "to",
    "the",
    "park",
    "with",
    "my",
    "dog",
    "max",
    "and",
    "we",
    "saw",
    "a",
    "lake",
    "near",
    "home",
    "today",
]


def test_fast_check_matches_full_similarity_on_varied_pairs() -> None:
    rng = random.Random(7)
    pairs = [("Same text.", "same text"), ("", "x"), ("a b c", "c b a")]
    for _ in range(400):
        left = " ".join(rng.choices(_WORDS, k=rng.randint(1, 12)))
        words = left.split()
        if rng.random() < 0.5 and words:  # a small edit of the same sentence
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
            right = " ".join(words)
        else:
            right = " ".join(rng.choices(_WORDS, k=rng.randint(1, 12)))
        pairs.append((left, right))
    for threshold in (0.5, 0.8, 0.9):
        for left, right in pairs:
            expected = text_similarity(left, right) >= threshold
            assert is_near_identical(left, right, threshold) is expected, (left, right)
