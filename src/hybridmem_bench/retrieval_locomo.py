"""The LoCoMo format for ``hybridmem bench retrieval``: turns, questions and samples, and
their loading (dia_id and evidence normalisation, session times)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# LoCoMo's categories as the dataset numbers them (the paper's names; the counts in
# locomo10 — 282 / 321 / 96 / 841 / 446 — identify them).
CATEGORY_NAMES: dict[int, str] = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}

_SESSION_KEY = re.compile(r"^session_(\d+)$")
_DIA_ID = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s;,]+")
_DATE_FORMATS = (
    "%I:%M %p on %d %B, %Y",  # "1:56 pm on 8 May, 2023" (LoCoMo)
    "%I:%M %p on %d %b, %Y",
    "%I:%M %p on %B %d, %Y",
    "%I:%M %p on %d %B %Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance: its normalized dia_id, speaker, text (with any image caption) and
    the time it was said."""

    dia_id: str
    speaker: str
    text: str
    session: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Question:
    """A question, its category and its resolvable evidence ids."""

    question: str
    answer: str
    category: int
    evidence: tuple[str, ...]
    unresolvable: tuple[str, ...] = ()
    normalized: int = 0


@dataclass(frozen=True, slots=True)
class Sample:
    """One conversation between two speakers and its questions."""

    sample_id: str
    speaker_a: str
    speaker_b: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]
    sessions: int
    unparsed_dates: int = 0
    irregular_turn_ids: int = 0
    empty_turns: int = 0


def normalize_dia_id(raw: str) -> str | None:
    """The canonical ``D<session>:<turn>`` form of one dia_id ("D:11:26" → "D11:26",
    "D30:05" → "D30:5"), or None when ``raw`` is not exactly one id."""
    found = _DIA_ID.fullmatch(raw.strip())
    if found is None:
        return None
    return f"D{int(found.group(1))}:{int(found.group(2))}"


def split_evidence(raw: str) -> tuple[list[str], bool]:
    """The dia_ids in one evidence entry ("D8:6; D9:17" → two ids), and whether anything
    else was left in it (such as a bare "D")."""
    ids = [f"D{int(m.group(1))}:{int(m.group(2))}" for m in _DIA_ID.finditer(raw)]
    leftover = _SEPARATORS.sub("", _DIA_ID.sub("", raw))
    return ids, bool(leftover)


def normalize_evidence(
    entries: Iterable[Any], known: set[str] | frozenset[str]
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """(resolved ids in order, unresolvable entries, how many entries needed normalizing).

    An id is resolvable when it names a turn of the conversation; entries that are not
    ids at all, and ids of turns that do not exist, are returned as unresolvable.
    """
    resolved: list[str] = []
    unresolvable: list[str] = []
    normalized = 0
    for entry in entries:
        text = str(entry)
        ids, leftover = split_evidence(text)
        if len(ids) != 1 or leftover or ids[0] != text:
            normalized += 1
        if leftover or not ids:
            unresolvable.append(text)
        for dia_id in ids:
            if dia_id not in known:
                unresolvable.append(dia_id)
            elif dia_id not in resolved:
                resolved.append(dia_id)
    return tuple(resolved), tuple(unresolvable), normalized


def parse_session_time(text: str | None) -> datetime | None:
    """The time of a session ("1:56 pm on 8 May, 2023"), in UTC; None if unreadable."""
    if not text:
        return None
    cleaned = " ".join(str(text).split())
    for layout in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _turn_text(turn: Mapping[str, Any]) -> str:
    text = str(turn.get("text") or "").strip()
    caption = str(turn.get("blip_caption") or "").strip()
    # LoCoMo's text-only evaluation reads shared photos through their captions; questions
    # ask about them, so the caption is part of what was said.
    return f"{text} [shares {caption}]".strip() if caption else text


def load_samples(data: Any) -> list[Sample]:
    """Samples from parsed LoCoMo JSON: a list of ``{sample_id?, conversation, qa}``, or a
    single sample, or a sample whose conversation keys sit at its top level."""
    items = data if isinstance(data, list) else [data]
    samples: list[Sample] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            raise ValueError(f"sample {index + 1} is not an object")
        conversation = raw.get("conversation", raw)
        speaker_a = str(conversation.get("speaker_a") or "speaker_a")
        speaker_b = str(conversation.get("speaker_b") or "speaker_b")
        # Only session_N keys hold turns: LoCoMo also has session_N_date_time keys for
        # sessions that have no turns at all.
        numbers = sorted(
            int(found.group(1))
            for key, value in conversation.items()
            if (found := _SESSION_KEY.match(key)) and isinstance(value, list)
        )
        turns: list[Turn] = []
        seen: set[str] = set()
        unparsed = irregular = empty = 0
        previous: datetime | None = None
        for number in numbers:
            started = parse_session_time(conversation.get(f"session_{number}_date_time"))
            if started is None:
                unparsed += 1
                # keep sessions in order: a day after the previous one
                started = (previous or datetime(2020, 1, 1, tzinfo=UTC)) + timedelta(days=1)
            previous = started
            for position, turn in enumerate(conversation[f"session_{number}"]):
                text = _turn_text(turn)
                if not text:
                    empty += 1
                    continue
                dia_id = normalize_dia_id(str(turn.get("dia_id", "")))
                if dia_id is None or dia_id in seen:
                    irregular += 1
                    # still ingested (it is part of the conversation), under an id no
                    # evidence can name
                    dia_id = f"X{number}.{position + 1}"
                seen.add(dia_id)
                turns.append(
                    Turn(
                        dia_id=dia_id,
                        speaker=str(turn.get("speaker") or speaker_a),
                        text=text,
                        session=number,
                        # turns keep their order within the session
                        occurred_at=started + timedelta(seconds=position),
                    )
                )
        known = frozenset(turn.dia_id for turn in turns)
        questions = []
        for qa in raw.get("qa", []):
            evidence = qa.get("evidence") or []
            if isinstance(evidence, str):
                evidence = [evidence]
            resolved, unresolvable, normalized = normalize_evidence(evidence, known)
            questions.append(
                Question(
                    question=str(qa.get("question", "")),
                    answer=str(qa.get("answer", qa.get("adversarial_answer", ""))),
                    category=int(qa.get("category", 0)),
                    evidence=resolved,
                    unresolvable=unresolvable,
                    normalized=normalized,
                )
            )
        samples.append(
            Sample(
                sample_id=str(raw.get("sample_id") or f"sample-{index + 1}"),
                speaker_a=speaker_a,
                speaker_b=speaker_b,
                turns=tuple(turns),
                questions=tuple(questions),
                sessions=len(numbers),
                unparsed_dates=unparsed,
                irregular_turn_ids=irregular,
                empty_turns=empty,
            )
        )
    return samples


def load_file(path: Path) -> list[Sample]:
    """Samples from a LoCoMo JSON file."""
    return load_samples(json.loads(path.read_text(encoding="utf-8")))
