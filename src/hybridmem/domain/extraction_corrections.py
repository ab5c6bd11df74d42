"""Corrections: the user fixes what they said before ("sorry, I meant Leeds, not Leicester").

A sentence is a correction when it opens (or ends) with a correction marker ("sorry",
"oops", "typo", "my mistake", "correction:", "wait, no", "I meant"). Two shapes:

- a bare value, with or without the wrong one ("I meant Leeds, not Leicester", "it's John
  not Jon", "not a lawyer, a paralegal"): the attribute is not said, so the value is offered
  for every attribute its kind fits, and the temporal rules apply it to the one whose wrong
  value is stored (or was stated last);
- a statement ("wait no, I'm 27"): the usual rules read it and its facts are corrections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.demonyms import demonym
from hybridmem.domain.extraction_support import Found, compile_ci
from hybridmem.domain.facts import Revision
from hybridmem.domain.text import normalize_text
from hybridmem.domain.values import ValueKind, name_value, validate_value

_STRONG = (
    r"sorry|oops|whoops|typo|my\s+bad|my\s+mistake|correction|scratch\s+that|i\s+misspoke"
    r"|wait\s*,?\s*no|no\s*,?\s*wait|(?:oh|ah)\s+wait|hang\s+on|i\s+am\s+mixing\s+(?:it|them)\s+up|i\s+meant|i\s+got\s+that\s+wrong"
)
_LEAD = compile_ci(rf"^(?:(?:oh|ah|um|uh|no|nope|wait|actually|{_STRONG})\b[\s,.:;!-]*)+")
_STRONG_WORD = compile_ci(rf"\b(?:{_STRONG})\b")
_TRAIL = compile_ci(
    r"[\s,.;!—–-]*\b(?:sorry|my\s+mistake|my\s+bad|oops|(?:stupid\s+|damn\s+)?autocorrect"
    r"|typo)(?:[\s,.;!—–-]*\b(?:lol|haha|sorry|typo|autocorrect)\b)*\W*$"
)
#: Laughter at the end marks nothing by itself ("just turned 40 lol" corrects nothing).
_LAUGHTER = compile_ci(r"[\s,.;!—–-]*\b(?:lol|haha+|lmao)\W*$")
# "my sister is called Ana not Anna": a statement that names the wrong value it replaces.
_STATEMENT_NOT = compile_ci(
    r"^(?P<body>.+?)\s*,?\s+(?:not|rather\s+than|instead\s+of)\s+(?P<old>[^,]+?)\s*$"
)
# "John with an h", "Ana with one n": a spelling note is not part of the value.
_SPELLING = compile_ci(r"\s+with\s+(?:an?|one|two|double|a\s+double)\s+[a-z](?:'?s)?$")
_BARE: tuple[re.Pattern[str], ...] = (
    compile_ci(
        r"^(?:i\s+meant\s+|i\s+mean\s+|meant\s+|it\s+is\s+|it\s+was\s+|that\s+is\s+|make\s+that\s+"
        r"|should\s+be\s+)?(?P<new>[^,]+?)\s*,?\s+(?:not|rather\s+than|instead\s+of)\s+(?P<old>[^,]+)$"
    ),
    compile_ci(
        r"^not\s+(?P<old>[^,]+?)\s*[,;]\s*(?:but\s+|it\s+is\s+|i\s+meant\s+)?(?P<new>[^,]+)$"
    ),
    compile_ci(
        r"^(?:i\s+meant\s+|meant\s+|make\s+that\s+|should\s+be\s+|it\s+is\s+)?(?P<new>[^,]+)$"
    ),
)
_PRONOUN = compile_ci(r"\b(?:i|my|me|we|our|you|your|he|she|they|it)\b")
#: What a bare corrected value may be, by its kind (tried in this order).
_PROPER_ATTRIBUTES = (
    Attribute.LOCATION, Attribute.HOMETOWN, Attribute.EMPLOYER, Attribute.NAME,
    Attribute.PARTNER, Attribute.PET, Attribute.FAMILY_MEMBER, Attribute.EDUCATION,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Correction:
    """How a sentence corrects: ``facts`` when it is a bare-value correction; else
    ``marked`` tells whether the statement in ``body`` corrects what came before."""

    body: str
    marked: bool
    facts: tuple[Found, ...] = ()
    replaces: str | None = None  # the wrong value a corrected statement names


def _bare_value(raw: str) -> str | None:
    value = _SPELLING.sub("", raw.strip(" .!,"))
    words = value.split()
    if not words or len(words) > 4 or _PRONOUN.search(value):
        return None
    return value


def _offers(new: str, old: str | None, casual: bool) -> list[Found]:
    normalized = normalize_text(new)
    plain = re.sub(r"^(?:a|an)\s+", "", normalized)

    def offer(attribute: Attribute, value: str) -> Found:
        return Found(attribute, value, revision=Revision.CORRECTION, replaces=old)

    if nationality := demonym(normalized):
        # "Danish" is a nationality and a language: the stored wrong value decides which
        offers = [offer(Attribute.NATIONALITY, nationality)]
        if language := validate_value(new, ValueKind.LANGUAGE, casual=casual):
            offers.append(offer(Attribute.LANGUAGES, language))
        return offers
    if normalized.isdigit():
        return [offer(Attribute.AGE, normalized)]
    if plain in lexicon.OCCUPATIONS or plain.split()[-1] in lexicon.OCCUPATIONS:
        return [offer(Attribute.OCCUPATION, plain)]
    if diet := validate_value(new, ValueKind.DIET, casual=casual):
        return [offer(Attribute.DIET, diet)]
    if language := validate_value(new, ValueKind.LANGUAGE, casual=casual):
        return [offer(Attribute.LANGUAGES, language)]
    proper = validate_value(new, ValueKind.PLACE, casual=casual) or name_value(
        new, casual=casual, explicit=True
    )
    if proper is not None:
        return [offer(attribute, proper) for attribute in _PROPER_ATTRIBUTES]
    thing = validate_value(new, ValueKind.THING, casual=casual)
    if thing is None:
        return []
    return [offer(a, thing) for a in (Attribute.LIKES, Attribute.DISLIKES, Attribute.HOBBIES)]


def read_correction(sentence: str, *, casual: bool) -> Correction:
    """Whether and how ``sentence`` corrects something said before."""
    text = sentence.strip().rstrip(".!")
    lead = _LEAD.match(text)
    marker = lead.group(0) if lead else ""
    body = _LAUGHTER.sub("", text[len(marker) :].strip())
    trail = _TRAIL.search(body)
    if trail:
        body = body[: trail.start()].strip()
    marked = bool(_STRONG_WORD.search(marker) or trail or _STRONG_WORD.match(body))
    if not marked:
        return Correction(sentence, False)
    for pattern in _BARE:
        if match := pattern.match(body):
            new = _bare_value(match.group("new"))
            old_raw = match.groupdict().get("old")
            old = _bare_value(old_raw) if old_raw else None
            if new is not None:
                offers = _offers(new, old, casual)
                if offers:
                    return Correction(body, True, tuple(offers))
    if (match := _STATEMENT_NOT.match(body)) and _PRONOUN.search(match.group("body")):
        old = _bare_value(match.group("old"))
        if old is not None:
            return Correction(match.group("body"), True, replaces=old)
    return Correction(body or sentence, True)
