"""Scoring for ``hybridmem bench extraction``: labelled cases and how results are judged.

**Value matching** (the one definition, used for every check): two values match when their
*match forms* are equal. The match form of a value is: Unicode NFKC, case-folded, accents
removed, every character that is not a letter or digit turned into a space, leading
articles ("a", "an", "the") dropped, whitespace collapsed, repeated until nothing changes.
So "Leeds" = "leeds.", "the NHS" = "NHS", "a bakery" = "Bakery", "Sainsbury's" =
"sainsbury s"; but "Leeds" ≠ "Leeds Uni". Attributes must be equal exactly.

Extraction: each message's facts (current and closed) are compared with the expected ones;
an expected pair is found at most once (a duplicate prediction is a false positive).
Updates: a conversation is right when every ``current`` pair is stored as a current fact,
every ``past`` pair as a closed fact (and not current), and no ``absent`` pair is stored at
all.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_NOT_ALNUM = re.compile(r"[^\w]|_")
_ARTICLE = re.compile(r"^(?:(?:a|an|the)\s+)+")


def match_form(value: str) -> str:
    """The form two values are compared in (see the module docstring); idempotent."""
    form = _one_pass(value)
    # a step can expose work for an earlier one (a mark stripped after case folding, a
    # letter NFKC composes anew), so repeat to the fixed point; it comes within a few passes
    for _ in range(8):
        again = _one_pass(form)
        if again == form:
            break
        form = again
    return form


def _one_pass(value: str) -> str:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", value).casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    spaced = " ".join(_NOT_ALNUM.sub(" ", plain).split())
    return _ARTICLE.sub("", spaced)


@dataclass(frozen=True, slots=True, order=True)
class Pair:
    """An (attribute, value) label, compared by attribute and match form."""

    attribute: str
    value: str

    @property
    def key(self) -> tuple[str, str]:
        """What equality of two labels means."""
        return (self.attribute, match_form(self.value))


@dataclass(frozen=True, slots=True)
class ExtractionCase:
    """One user message and the facts it states."""

    case_id: str
    text: str
    expected: tuple[Pair, ...]


@dataclass(frozen=True, slots=True)
class UpdateCase:
    """A conversation (user messages in order) and what memory must hold after it."""

    case_id: str
    messages: tuple[str, ...]
    current: tuple[Pair, ...]
    past: tuple[Pair, ...]
    absent: tuple[Pair, ...]


def _pairs(raw: object) -> tuple[Pair, ...]:
    if not isinstance(raw, list):
        raise TypeError("expected a list of {attribute, value}")
    return tuple(Pair(str(item["attribute"]), str(item["value"])) for item in raw)


def _lines(path: Path) -> Iterable[tuple[int, dict[str, object]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: {exc}") from exc
            if not isinstance(raw, dict):
                raise ValueError(f"line {number}: not an object")
            yield number, raw


def load_extraction_cases(path: Path) -> list[ExtractionCase]:
    """Read extraction cases (JSON lines); ValueError naming the line when one is malformed."""
    cases = []
    for number, raw in _lines(path):
        try:
            cases.append(
                ExtractionCase(str(raw["id"]), str(raw["text"]), _pairs(raw.get("expected", [])))
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"line {number}: {exc!r}") from exc
    if not cases:
        raise ValueError("no cases")
    return cases


def load_update_cases(path: Path) -> list[UpdateCase]:
    """Read update conversations (JSON lines); ValueError naming a malformed line."""
    cases = []
    for number, raw in _lines(path):
        try:
            messages = raw["messages"]
            if not isinstance(messages, list) or not messages:
                raise TypeError("messages must be a non-empty list")
            cases.append(
                UpdateCase(
                    str(raw["id"]),
                    tuple(str(m) for m in messages),
                    _pairs(raw.get("current", [])),
                    _pairs(raw.get("past", [])),
                    _pairs(raw.get("absent", [])),
                )
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"line {number}: {exc!r}") from exc
    if not cases:
        raise ValueError("no cases")
    return cases


@dataclass(frozen=True, slots=True)
class ExtractionScore:
    """True positives, false positives and false negatives of one or more messages."""

    true_positives: int
    false_positives: int
    false_negatives: int

    def __add__(self, other: ExtractionScore) -> ExtractionScore:
        return ExtractionScore(
            self.true_positives + other.true_positives,
            self.false_positives + other.false_positives,
            self.false_negatives + other.false_negatives,
        )

    @property
    def precision(self) -> float:
        """Share of predicted facts that were expected (1.0 when nothing was predicted)."""
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of expected facts that were found (1.0 when nothing was expected)."""
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_extraction(expected: Sequence[Pair], predicted: Sequence[Pair]) -> ExtractionScore:
    """Compare one message's predicted facts with the expected ones (each found once)."""
    remaining = [pair.key for pair in expected]
    true_positives = 0
    for pair in predicted:
        if pair.key in remaining:
            remaining.remove(pair.key)
            true_positives += 1
    return ExtractionScore(true_positives, len(predicted) - true_positives, len(remaining))


@dataclass(frozen=True, slots=True)
class UpdateScore:
    """How one conversation fared: passed checks out of each kind."""

    current_ok: int
    current_total: int
    past_ok: int
    past_total: int
    absent_ok: int
    absent_total: int

    @property
    def fully_right(self) -> bool:
        """Every check of the conversation passed."""
        return (
            self.current_ok == self.current_total
            and self.past_ok == self.past_total
            and self.absent_ok == self.absent_total
        )


def score_update(case: UpdateCase, current: Sequence[Pair], closed: Sequence[Pair]) -> UpdateScore:
    """Judge memory after a conversation: ``current`` and ``closed`` are the stored facts."""
    now = {pair.key for pair in current}
    before = {pair.key for pair in closed}
    return UpdateScore(
        sum(1 for pair in case.current if pair.key in now),
        len(case.current),
        sum(1 for pair in case.past if pair.key in before and pair.key not in now),
        len(case.past),
        sum(1 for pair in case.absent if pair.key not in now | before),
        len(case.absent),
    )
