"""Extraction rules for everyday chat: lines without a subject, and the roundabout ways
people state facts ("dark chocolate is my weakness", "pollen allergy here", "new job at
Shopify", "I'm a keen birdwatcher"). See :mod:`hybridmem.domain.extraction`.

``chat_rule`` runs before the negation gate, so each of its shapes is a whole clause that
states the fact by itself; ``everyday_rule`` runs after it, on first-person clauses.
"""

from __future__ import annotations

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.demonyms import demonym
from hybridmem.domain.extraction_support import Clause, Found, capture, compile_ci, i_pattern
from hybridmem.domain.extraction_updates import several_rule
from hybridmem.domain.values import ValueKind, canonical_date

_PRONOUN_START = compile_ci(r"^(?:he|she|they|it|you|we|i|this|that|these|those|there)\b")
_FAVOURED = compile_ci(
    r"^(?P<v>.+?)\s+(?:is|are)\s+(?:my|our)\s+(?:biggest\s+|one\s+)?(?:weakness|guilty\s+pleasure"
    r"|jam|happy\s+place|comfort\s+food|obsession|addiction|thing)$"
)
# (not "the weather is awful": a thing named with "the" is a moment's complaint)
_LOATHED = compile_ci(
    r"^(?!the\s)(?P<v>[\w' -]+?)\s+(?:is|are)\s+"
    r"(?:so\s+|really\s+|absolutely\s+|just\s+|totally\s+)?"
    r"(?:disgusting|gross|revolting|vile|nasty|the\s+worst|horrible|awful)$"
)
_KEEPS_ME = compile_ci(
    r"^(?P<v>[^\W\d_]+ing)\s+keeps\s+me\s+(?:sane|going|grounded|happy|calm|fit|balanced)$"
)
_ALLERGY_HERE = compile_ci(
    r"^(?P<v>[^\W\d_][\w -]*?)\s+allergy(?:\s+here|\s+sufferer)?(?:\s*,.*)?$"
)
_NEW_JOB = compile_ci(r"^(?:a\s+|my\s+)?new\s+job\s+(?:at|with)\s+(?P<v>.+)$")
# "… officially a Melbourne resident now" (chat glues it to what came before)
_RESIDENT = compile_ci(
    r"(?:^i\s+am\s+|^|\b(?:now|officially|finally)\s+)an?\s+(?P<v>[^\W\d_][\w'-]*"
    r"(?:\s+[^\W\d_][\w'-]*)?)\s+resident(?:\s+now)?$"
)
_AS_A = compile_ci(r"^as\s+an?\s+(?P<v>[^\W\d_]+)$")
_COUNTED = compile_ci(
    r"^(?:two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+[^\W\d_]+\s*[:,-]\s*\S"
)
_RAISED_ME = compile_ci(
    r"^(?:my\s+)?(?:[\w-]+\s+)?(?:parents|grandparents|mum|mom|dad|mother|father|grandmother"
    r"|grandfather|gran|nan|aunt|uncle|family)\s+raised\s+me\s+in\s+(?P<v>.+)$"
)


# "… mine is 21 May": only a birthday is a day of the year
_MINE_IS_A_DAY = compile_ci(r"^mine\s+is\s+(?:on\s+)?(?P<v>.+)$")


def chat_rule(clause: Clause) -> list[Found] | None:
    """Whole-clause shapes of chat that need no "I": see the module docstring."""
    text = clause.text
    if (match := _MINE_IS_A_DAY.match(text)) and (day := canonical_date(match.group("v"))):
        return [Found(Attribute.BIRTHDAY, day)]
    if match := _RAISED_ME.match(text):
        return capture(clause, match.group("v"), ValueKind.PLACE, Attribute.HOMETOWN) or None
    if _COUNTED.match(text):  # "three cats: Tom, Jerry and Spike"
        return several_rule(Clause(f"I have {text}", clause.casual))
    if (match := _AS_A.match(text)) and (nationality := demonym(match.group("v"))):
        return [Found(Attribute.NATIONALITY, nationality)]
    for pattern, attribute, kind in (
        (_FAVOURED, Attribute.LIKES, ValueKind.THING),
        (_LOATHED, Attribute.DISLIKES, ValueKind.THING),
        (_KEEPS_ME, Attribute.HOBBIES, ValueKind.THING),
        (_ALLERGY_HERE, Attribute.ALLERGIES, ValueKind.THING),
        (_NEW_JOB, Attribute.EMPLOYER, ValueKind.ORGANISATION),
        (_RESIDENT, Attribute.LOCATION, ValueKind.PLACE),
    ):
        found = pattern.search(text) if pattern is _RESIDENT else pattern.match(text)
        if (match := found) and not _PRONOUN_START.match(match.group("v")):
            return capture(clause, match.group("v"), kind, attribute) or None
    return None


_KEEN = i_pattern(
    r"am\s+(?:a|an)\s+(?:(?:keen|avid|passionate|enthusiastic|amateur|big|huge|mad|obsessive"
    r"|casual|weekend)\s+)+",
    r"(?!(?:listen|learn|talk|eat|sleep|work|believ|support|think|drink|spend)er$)(?P<v>[a-z]+er)$",
)
_WIDOWED = i_pattern(r"am\s+(?:a\s+)?(?:widow|widower)|was\s+widowed|am\s+widowed", r"\b.*$")
_BEEN_AT = i_pattern(
    r"have\s+been\s+(?:at|with)",
    r"\s+(?P<v>[^\W\d_][\w&'.+-]*(?:\s+[^\W\d_][\w&'.-]*){0,3}?)\s+(?:for|since)\s+.+$",
)
_BEEN_IN = i_pattern(
    r"have\s+been\s+(?:in|living\s+in|based\s+in)",
    r"\s+(?P<v>.+?)\s+(?:for\s+(?:ages|years|decades|a\s+while|a\s+long\s+time|a\s+decade"
    r"|(?:\w+\s+)?(?:years|months))|since\s+.+)$",
)
_DRIVE = i_pattern(
    r"drive", r"\s+(?:a\s+)?(?P<v>taxi|cab|bus|truck|lorry|van|forklift|tram|train|ambulance)"
    r"\s+for\s+(?:a\s+living|work|a\s+job)$",
)  # fmt: skip
_HAVING = i_pattern(r"am\s+having", r"\s+(?P<v>(?:two|three|four|five|\d)\s+.+)$")
_SCHOOLED = i_pattern(
    r"schooled|was\s+schooled|was\s+educated|did\s+my\s+schooling", r"\s+(?:at|in)\s+(?P<v>.+)$"
)


def everyday_rule(clause: Clause) -> list[Found] | None:
    """ "I'm a keen birdwatcher", "I'm a widower", "been at Deloitte for 3 years", "I've
    been in Mombasa for ages", "I drive a taxi for a living", "I am having two daughters"."""
    text = clause.text
    if match := _KEEN.match(text):
        # the one who does it → the doing: "birdwatcher" → "birdwatching", "runner" → "running"
        return [Found(Attribute.HOBBIES, match.group("v").casefold()[:-2] + "ing")]
    if _WIDOWED.match(text):
        return [Found(Attribute.RELATIONSHIP_STATUS, "widowed")]
    if (match := _BEEN_AT.match(text)) and not clause.casual and match.group("v")[:1].isupper():
        org = ValueKind.ORGANISATION
        return capture(clause, match.group("v"), org, Attribute.EMPLOYER, ongoing=True)
    if (match := _BEEN_IN.match(text)) and match.group("v")[:1].isupper():
        # "for ages" / "since 2019" date the start of the stay, not the message
        found = capture(clause, match.group("v"), ValueKind.PLACE, Attribute.LOCATION, ongoing=True)
        return found or None
    if match := _DRIVE.match(text):
        return [Found(Attribute.OCCUPATION, f"{match.group('v').casefold()} driver")]
    if match := _HAVING.match(text):
        return several_rule(Clause(f"I have {match.group('v')}", clause.casual))
    if match := _SCHOOLED.match(text):
        return capture(clause, match.group("v"), ValueKind.ORGANISATION, Attribute.EDUCATION)
    return None
