"""Shared pieces of the rule extractor: what a rule returns, and how it captures values."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.facts import Revision
from hybridmem.domain.text import normalize_text
from hybridmem.domain.values import (
    ValueKind,
    allergen,
    clip_value,
    drop_afterthought,
    name_value,
    split_items,
    to_gerund,
    validate_value,
)


@dataclass(frozen=True, slots=True)
class Found:
    """A fact a rule found in a clause, before it becomes a candidate."""

    attribute: Attribute
    value: str
    qualifier: str | None = None
    current: bool = True
    ongoing: bool = False  # "for 5 years" / "since 2019" date the start, not the event
    revision: Revision = Revision.STATEMENT
    replaces: str | None = None  # a correction's wrong value, when named
    inherits: bool = False  # "I switched to padel": the attribute of what just ended


@dataclass(frozen=True, slots=True)
class Clause:
    """One first-person clause as the rules see it."""

    text: str  # clitics expanded, fillers stripped, original case
    casual: bool  # the message is typed in lower case, so proper nouns may be too


Rule = Callable[[Clause], list[Found] | None]  # None: not mine; []: mine, nothing usable


def compile_ci(pattern: str) -> re.Pattern[str]:
    """Compile case-insensitively (users do not capitalize consistently)."""
    return re.compile(pattern, re.IGNORECASE)


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


ADVERBS = (
    r"(?:(?:really|truly|absolutely|totally|just|also|still|currently|now|actually|definitely"
    r"|genuinely|honestly|kind of|kinda|sort of|mostly|usually|always|especially|quite"
    r"|pretty much|seriously|literally|even|do|recently|finally|officially|happily|proudly"
    r"|originally|presently|basically|mainly|primarily|already|simply|so|very|deeply"
    r"|personally|certainly|obviously|clearly|legit|lowkey|both|once|previously)\s+)*"
)
I_START = rf"^i\s+{ADVERBS}"
_BREEDS = {
    "retriever": "dog", "labrador": "dog", "lab": "dog", "poodle": "dog", "beagle": "dog",
    "bulldog": "dog", "terrier": "dog", "pug": "dog", "husky": "dog", "dachshund": "dog",
    "corgi": "dog", "shepherd": "dog", "spaniel": "dog", "chihuahua": "dog", "collie": "dog",
    "rottweiler": "dog", "dalmatian": "dog", "pomeranian": "dog", "greyhound": "dog",
    "doberman": "dog", "persian": "cat", "siamese": "cat", "ragdoll": "cat", "sphynx": "cat",
    "maine coon": "cat", "tabby": "cat",
}  # fmt: skip
ANIMALS = {**lexicon.PET_SPECIES, **_BREEDS}
SPECIES = _alternatives(ANIMALS)
FAMILY = _alternatives(lexicon.FAMILY_RELATIONS)
PARTNER = _alternatives(lexicon.PARTNER_RELATIONS)
DIET = _alternatives(lexicon.DIETS)
KIN_ADJ = (
    r"(?:(?:older|younger|big|little|elder|baby|twin|only|oldest|youngest|eldest|new|lovely"
    r"|beloved|sweet|cute|old)\s+)?"
)
#: People other than the user ("my boyfriend's mum", "… best friend", "… parents").
PEOPLE = (
    rf"{KIN_ADJ}(?:{FAMILY}|{PARTNER}|parent|family|folk|kid|children"
    r"|(?:best\s+)?(?:friend|mate)|boss|ex)s?\b"
)
IS_NAMED = r"(?P<how>'s\s+name\s+is|\s+is\s+(?:called|named)|\s+goes\s+by|\s+answers\s+to|\s+is)"
END = r"(?=$|[\s,.!])"
FIRST_PERSON_START = compile_ci(r"^(?:i|my)\b")


_PARTNER_STATUS = {"wife": "married", "husband": "married", "spouse": "married",
                   "fiancé": "engaged", "girlfriend": "in a relationship",
                   "boyfriend": "in a relationship"}  # fmt: skip


def partner_status(relation: str) -> str | None:
    """The relationship status a partner word implies ("my wife" → married); "partner"
    implies none (people with partners say they are not married)."""
    return _PARTNER_STATUS.get(relation)


_CATEGORY_TIME = compile_ci(
    r"\s+(?:these\s+days|at\s+the\s+moment|right\s+now|now|nowadays|currently|lately|atm"
    r"|of\s+all\s+time|ever)$"
)


def category(raw: str | None) -> str | None:
    """A favourite's category without its time ("food these days" → "food")."""
    if raw is None:
        return None
    return _CATEGORY_TIME.sub("", raw.strip()) or None


def i_pattern(verbs: str, tail: str = r"\s+(?P<v>.+)$") -> re.Pattern[str]:
    """A rule anchored at "I <adverbs> <verb>"; by default the rest is captured as ``v``."""
    return compile_ci(rf"{I_START}(?:{verbs}){tail}")


def capture(
    clause: Clause,
    raw: str | None,
    kind: ValueKind,
    attribute: Attribute,
    *,
    multi: bool = False,
    qualifier: str | None = None,
    current: bool = True,
    ongoing: bool = False,
    strict_role: bool = True,
) -> list[Found]:
    """Clip, split (for multi-valued attributes) and validate captured values."""
    if not raw:
        return []
    clipped = clip_value(raw, kind)
    if kind is ValueKind.THING:
        clipped = drop_afterthought(clipped)
    items = split_items(clipped) if multi else [clipped]
    infinitive = bool(items) and normalize_text(items[0]).startswith("to ")
    found: list[Found] = []
    for index, item in enumerate(items):
        value = to_gerund(item) if infinitive else item
        checked = validate_value(value, kind, casual=clause.casual, strict_role=strict_role)
        if checked is None and index == 0 and kind is ValueKind.THING:
            return []  # "I adore my cat, Biscuit": the rest of a bad list is an apposition
        if checked is not None and attribute is Attribute.ALLERGIES:
            checked = allergen(checked)
        if checked is not None:
            found.append(Found(attribute, checked, qualifier, current, ongoing))
    return found


def capture_name(
    clause: Clause, raw: str, attribute: Attribute, qualifier: str | None, *, explicit: bool
) -> list[Found]:
    """A one-element list with the name at the start of ``raw``, or an empty list."""
    name = name_value(raw, casual=clause.casual, explicit=explicit)
    return [Found(attribute, name, qualifier)] if name else []
