"""How memory is shown to a model: the prompt styles and the compact memory lines.

Measured on SmolLM2-135M (docs/benchmarks.md, "Answers from memory"): a tiny model answers
far more often from memory when each remembered item is one plain line addressed to the
user ("You live in Delhi.") rather than a titled third-person list ("Known facts about the
user: - Lives in Delhi"), because it then mostly has to copy the right line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from hybridmem.domain.messages import Role
from hybridmem.domain.recall import ItemRef, MemoryItem
from hybridmem.domain.stores import Store


class PromptStyle(StrEnum):
    """How the chat prompt is laid out for a model."""

    STANDARD = "standard"  # a persona and titled memory sections in the system prompt
    COMPACT = "compact"  # for very small models: short system text, memory lines, one example


# The third-person phrasings of ``facts.describe`` (also Mem0's style) → second person.
# Order matters: "Is allergic to" before "Is".
_SECOND_PERSON: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), replacement)
    for pattern, replacement in (
        (r"^name is\s+", "Your name is "),
        (r"^birthday is\s+", "Your birthday is "),
        (r"^favou?rite\s+", "Your favorite "),
        (r"^lives in\s+", "You live in "),
        (r"^lived in\s+", "You lived in "),
        (r"^works at\s+", "You work at "),
        (r"^works as\s+", "You work as "),
        (r"^worked at\s+", "You worked at "),
        (r"^is allergic to\s+", "You are allergic to "),
        (r"^is from\s+", "You are from "),
        (r"^is\s+", "You are "),
        (r"^was\s+", "You were "),
        (r"^has\s+", "You have "),
        (r"^had\s+", "You had "),
        (r"^likes\s+", "You like "),
        (r"^loves\s+", "You love "),
        (r"^dislikes\s+", "You dislike "),
        (r"^hates\s+", "You hate "),
        (r"^speaks\s+", "You speak "),
        (r"^studied\s+", "You studied "),
        (r"^education:\s*", "Your education: "),
        (r"^hobby:\s*", "Your hobby: "),
        (r"^diet:\s*", "Your diet: "),
        (r"^nationality:\s*", "Your nationality: "),
        (r"^(?:the\s+)?user\s+is\s+", "You are "),
        (r"^(?:the\s+)?user's\s+", "Your "),
    )
)
_PARTNER = re.compile(
    r"^(wife|husband|partner|boyfriend|girlfriend|fianc[ée]e?|spouse)\s+is\s+", re.IGNORECASE
)


def to_second_person(text: str) -> str:
    """A memory line addressed to the user: "Lives in Delhi" → "You live in Delhi.".

    Texts in another shape (a Zep fact naming the user, free text) are kept as they are.
    """
    line = text.strip().rstrip(".")
    if not line:
        return ""
    partner = _PARTNER.match(line)
    if partner:
        line = f"Your {partner.group(1).lower()} is {line[partner.end() :]}"
    else:
        for pattern, replacement in _SECOND_PERSON:
            if pattern.match(line):
                line = pattern.sub(replacement, line, count=1)
                break
    return line + "."


def memory_lines(items: Iterable[MemoryItem], *, skip: Iterable[ItemRef] = ()) -> list[str]:
    """The compact memory: one line per fact or relation addressed to the user, then what
    the user said (quoted). The assistant's own past replies are left out: a small model
    repeats them rather than the facts; so are the items named in ``skip`` (the message
    being answered, which recall finds among past messages)."""
    skipped = set(skip)
    facts: list[str] = []
    said: list[str] = []
    for item in items:
        if item.ref in skipped:
            continue
        if item.store is Store.HISTORY:
            if item.role is Role.USER:
                said.append(f'You said: "{item.text.strip()}"')
            continue
        line = to_second_person(item.text)
        if item.valid_to is not None and item.occurred_at is not None:
            span = f"from {item.occurred_at.date()} until {item.valid_to.date()}"
            line = f"In the past ({span}): {line[:1].lower()}{line[1:]}"
        facts.append(line)
    return facts + said
