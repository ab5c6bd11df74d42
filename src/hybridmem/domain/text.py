"""Text comparison forms: normalization, display cleaning and similarity."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

#: Two texts whose :func:`text_similarity` reaches this are "near-identical".
NEAR_IDENTICAL_THRESHOLD = 0.9

_QUOTES = str.maketrans(
    {"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'}
)
# "+" and "#" survive so "C++" and "C#" stay apart from "C".
_NON_WORD = re.compile(r"[^\w+#]+|_")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+(?=\S)")
_WHITESPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = "\"'.,;:!?()[]{}<>«»-–—…*~ \t\r\n"


def normalize_text(text: str) -> str:
    """Comparison form of any text: NFKC, casefolded, punctuation → space, spaces collapsed.

    Apostrophes are dropped rather than spaced so "don't" and "dont" compare equal.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    folded = folded.replace("'", "")
    return " ".join(_NON_WORD.sub(" ", folded).split())


def normalize_value(value: str) -> str:
    """Comparison form of a fact value: :func:`normalize_text` minus a leading article."""
    return _LEADING_ARTICLE.sub("", normalize_text(value))


def clean_display(value: str) -> str:
    """Display form of a value: NFKC, single spaces, no surrounding quotes or punctuation."""
    text = unicodedata.normalize("NFKC", value).translate(_QUOTES)
    return _WHITESPACE.sub(" ", text).strip(_EDGE_PUNCTUATION)


def text_similarity(left: str, right: str) -> float:
    """Deterministic similarity in [0, 1] of two texts, compared in normalized form.

    The larger of the token-set Jaccard index and difflib's ratio. The pair is sorted
    before difflib sees it because its ratio is not symmetric in general, and consolidation
    needs a symmetric relation to be independent of input order.
    """
    a, b = sorted((normalize_text(left), normalize_text(right)))
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    tokens_a, tokens_b = set(a.split()), set(b.split())
    jaccard = len(tokens_a & tokens_b) / len(tokens_a | tokens_b)
    ratio = SequenceMatcher(None, a, b, autojunk=False).ratio()
    return max(jaccard, ratio)


def is_near_identical(left: str, right: str, threshold: float = NEAR_IDENTICAL_THRESHOLD) -> bool:
    """True when the two texts are the same up to small edits or word order.

    Exactly ``text_similarity(left, right) >= threshold``, but difflib's full ratio
    (quadratic, about half a millisecond for two chat turns) only runs when its cheap
    upper bounds (length, then character counts) can still reach the threshold.
    """
    a, b = sorted((normalize_text(left), normalize_text(right)))
    if a == b:
        return threshold <= 1.0
    if not a or not b:
        return threshold <= 0.0
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if len(tokens_a & tokens_b) / len(tokens_a | tokens_b) >= threshold:
        return True
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= threshold
        and matcher.quick_ratio() >= threshold
        and matcher.ratio() >= threshold
    )
