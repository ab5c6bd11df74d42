"""Checking a model's reply before anyone sees or remembers it.

Very small models derail in a few recognisable ways: they loop ("I'm not sure. I'm not
sure."), say nothing, fall into training-data boilerplate ("As an AI…", "Rewrite the input
text…", a "fictional story" nobody asked for), switch to another script, or copy the worked
example of their prompt. A loop is cut where it starts; a reply that is nothing but one of
these is replaced by an honest, generic answer and marked, so it never becomes memory or
part of a later prompt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hybridmem.domain.messages import Message

#: What the user gets instead of a degenerate reply. Deliberately generic: a reply built
#: from the recalled facts would be a hard-coded answer, not the model's.
HONEST_FALLBACK = "I'm not sure — I don't have a good answer to that."

#: The message metadata key marking a replaced reply (its value is the reason).
DEGENERATE_KEY = "degenerate"


class Degeneracy(StrEnum):
    """Why a reply was not usable."""

    EMPTY = "empty"
    LOOP = "loop"
    BOILERPLATE = "boilerplate"
    EXAMPLE_ECHO = "example_echo"
    GIBBERISH = "gibberish"


@dataclass(frozen=True, slots=True)
class ReplyCheck:
    """The verdict on one reply: the text to show (cut when it looped) and the problem."""

    text: str
    problem: Degeneracy | None = None
    cut: bool = False

    @property
    def degenerate(self) -> bool:
        """True when the reply must be replaced."""
        return self.problem is not None


# A phrase counts as boilerplate only when none of its topic words is in the question: a
# user who asks for a story may get one that mentions a "fictional story".
_BOILERPLATE: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(
            r"\b(?:as|i am|i'm|i’m|you are|you're|you’re)\s+(?:just\s+)?an?\s+"
            r"(?:[a-z-]+\s+){0,2}(?:ai|a\.i\.|language model)\b"
        ),
        frozenset({"ai", "model", "bot", "robot", "assistant", "artificial"}),
    ),
    (re.compile(r"\bas\s+an?\s+helpful\s+assistant\b"), frozenset({"assistant"})),
    (
        re.compile(r"\b(?:an?\s+)?ai\s+(?:assistant|designed|model|language)\b"),
        frozenset({"ai", "model", "bot", "assistant", "artificial"}),
    ),
    (re.compile(r"\brewrite\s+the\s+(?:input\s+)?text\b"), frozenset({"rewrite", "text"})),
    (
        re.compile(r"\bfictional\s+(?:story|character|tale)\b"),
        frozenset({"story", "fiction", "fictional", "character", "tale", "novel", "book"}),
    ),
    (re.compile(r"\b(?:once upon a time)\b"), frozenset({"story", "tale", "fairy"})),
)
# "Who are you?", "What can you do?": a question about the assistant may get an answer
# about being an AI.
_ABOUT_THE_ASSISTANT = re.compile(
    r"\b(?:who|what)\s+(?:are|can|do)\s+you\b|\byourself\b|\byour\s+name\b", re.IGNORECASE
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# A unit of 1–40 characters repeated back to back at least three more times ("A: 11111…").
_RUN = re.compile(r"(.{1,40}?)\1{3,}", re.DOTALL)
_MIN_LETTERS_FOR_SCRIPT = 12


def is_degenerate_message(metadata: Mapping[str, Any]) -> bool:
    """True for a stored reply that was replaced: never memory, never prompt history."""
    return bool(metadata.get(DEGENERATE_KEY))


def is_memory_source(message: Message) -> bool:
    """Whether a stored message may be recalled as memory or shown in a prompt."""
    return not is_degenerate_message(message.metadata)


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _normalized(sentence: str) -> str:
    return " ".join(_words(sentence))


def cut_loops(text: str) -> str:
    """``text`` up to where it starts repeating itself: a sentence said again, or a unit
    of characters repeated back to back ("hahahaha", "1111", "A: 1\\nA: 1\\n…")."""
    run = _RUN.search(text)
    if run is not None:
        unit = run.group(1)
        # a short unit repeated is a loop only when it is not plain emphasis: "!!!!" and
        # "...." stay; a repeated letter, word or line does not
        if any(ch.isalnum() for ch in unit) and len(run.group(0)) >= 8:
            text = text[: run.start() + len(unit)]
    seen: set[str] = set()
    position = 0
    for match in _SENTENCE_END.finditer(text + "\n"):
        key = _normalized(text[position : match.start()])
        if key and key in seen:
            return text[:position].strip()  # up to the sentence said again
        seen.add(key)
        position = match.end()
    return text.strip()


def _latin_share(text: str) -> float | None:
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < _MIN_LETTERS_FOR_SCRIPT:
        return None
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return latin / len(letters)


def check_reply(
    reply: str,
    *,
    question: str,
    memory: str = "",
    example_terms: Iterable[str] = (),
) -> ReplyCheck:
    """Judge ``reply`` to ``question`` given the memory text the model saw and the words of
    the prompt's worked example (which the model must not answer with unless they are
    also in the memory or the question)."""
    text = reply.strip()
    if not any(ch.isalnum() for ch in text):
        return ReplyCheck(text="", problem=Degeneracy.EMPTY)
    cut = cut_loops(text)
    was_cut = cut != text
    if not any(ch.isalnum() for ch in cut):
        return ReplyCheck(text=cut, problem=Degeneracy.LOOP, cut=was_cut)
    lowered = cut.casefold()
    asked = set(_words(question))
    if _ABOUT_THE_ASSISTANT.search(question):
        asked |= {"ai", "assistant"}
    for pattern, topic in _BOILERPLATE:
        if pattern.search(lowered) and not asked & topic:
            return ReplyCheck(text=cut, problem=Degeneracy.BOILERPLATE, cut=was_cut)
    known = set(_words(question)) | set(_words(memory))
    said = set(_words(cut))
    for term in example_terms:
        words = _words(term)
        if words and all(w in said for w in words) and not all(w in known for w in words):
            return ReplyCheck(text=cut, problem=Degeneracy.EXAMPLE_ECHO, cut=was_cut)
    asked_script = _latin_share(question + " " + memory)
    reply_script = _latin_share(cut)
    if (
        asked_script is not None
        and reply_script is not None
        and asked_script >= 0.8
        and reply_script < 0.5
    ):
        return ReplyCheck(text=cut, problem=Degeneracy.GIBBERISH, cut=was_cut)
    return ReplyCheck(text=cut, cut=was_cut)
