"""Phrasings of attributes ("lives in", "job", "spouse") for labels from an LLM or a provider."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.text import normalize_text

# Phrasings (as the normalizer sees them) → attribute. Used for labels coming from an LLM
# or a provider ("lives in", "job", "spouse"), and documented in docs/memory-model.md.
_PHRASES: dict[Attribute, tuple[str, ...]] = {
    Attribute.NAME: ("name", "first name", "full name", "called", "call me", "go by", "named"),
    Attribute.AGE: ("age", "years old", "how old"),
    Attribute.BIRTHDAY: ("birthday", "birth date", "date of birth", "dob", "born on", "bday"),
    Attribute.LOCATION: (
        "location", "city", "residence", "current city", "address", "home", "lives in",
        "live in", "living in", "based in", "moved to", "resides in", "reside in",
        "relocated to", "stay in", "stays in", "current location",
    ),
    Attribute.HOMETOWN: (
        "hometown", "home town", "from", "is from", "comes from", "come from", "grew up in",
        "born in", "place of birth", "birthplace", "origin", "native place",
    ),
    Attribute.NATIONALITY: (
        "nationality", "citizenship", "citizen of", "passport", "national of",
    ),
    Attribute.EMPLOYER: (
        "employer", "company", "works at", "work at", "works for", "work for", "employed by",
        "employed at", "workplace", "organisation", "organization",
    ),
    Attribute.OCCUPATION: (
        "occupation", "job", "job title", "profession", "role", "career", "work as",
        "works as", "im a", "i am a", "i am an", "im an", "is a", "position",
    ),
    Attribute.EDUCATION: (
        "education", "school", "university", "college", "degree", "studied at",
        "studies at", "graduated from", "alma mater", "field of study", "major",
    ),
    Attribute.PARTNER: (
        "partner", "spouse", "wife", "husband", "girlfriend", "boyfriend", "fiance",
        "fiancé", "fiancee", "married to", "significant other",
    ),
    Attribute.RELATIONSHIP_STATUS: ("relationship status", "marital status", "relationship"),
    Attribute.FAMILY_MEMBER: (
        "family", "family member", "relative", "sibling", "siblings", "parent", "parents",
        "child", "children", "kids", "sister", "brother", "mother", "father",
    ),
    Attribute.PET: ("pet", "pets", "animal", "dog", "cat", "has pet"),
    Attribute.LIKES: (
        "likes", "like", "love", "loves", "enjoy", "enjoys", "am into", "is into", "into",
        "favorite", "favourite", "preference", "preferences", "interest", "interests",
        "fan of", "adores",
    ),
    Attribute.DISLIKES: (
        "dislikes", "dislike", "hate", "hates", "cant stand", "cannot stand", "dont like",
        "do not like", "doesnt like", "does not like", "not a fan of", "detests",
    ),
    Attribute.HOBBIES: ("hobby", "hobbies", "pastime", "pastimes", "free time", "spare time"),
    Attribute.ALLERGIES: ("allergy", "allergies", "allergic to", "is allergic to"),
    Attribute.DIET: ("diet", "dietary preference", "dietary restriction", "eats"),
    Attribute.LANGUAGES: ("language", "languages", "speaks", "speak", "fluent in"),
    Attribute.OTHER: ("other", "note", "misc", "fact"),
}  # fmt: skip

_SUBJECT_PREFIX = re.compile(r"^(?:the user|user|i am|im|i|my|users|he|she|they)\s+")


@cache
def _phrase_table() -> Mapping[str, Attribute]:
    table: dict[str, Attribute] = {}
    for attribute, phrases in _PHRASES.items():
        table[attribute.value.replace("_", " ")] = attribute
        for phrase in phrases:
            table[normalize_text(phrase)] = attribute
    return MappingProxyType(table)


def attribute_for_phrase(phrase: str) -> Attribute | None:
    """Map an attribute name, alias or phrasing ("based in", "job", "spouse") to an attribute."""
    table = _phrase_table()
    normalized = normalize_text(phrase.replace("_", " "))
    if normalized in table:
        return table[normalized]
    return table.get(_SUBJECT_PREFIX.sub("", normalized))
