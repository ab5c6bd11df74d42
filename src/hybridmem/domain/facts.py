"""Facts about a user: the model, the attribute registry and the normalizer.

A fact is ``(user_id, attribute, value)`` plus a qualifier where the attribute needs one
(a pet's species, a family member's relation), display text, provenance and a validity
interval. Values keep the form the user wrote for display; comparisons use
:func:`normalize_value`, and duplicates are found by :class:`FactKey`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from difflib import SequenceMatcher
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from hybridmem.domain import lexicon
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.keys import composite_key
from hybridmem.domain.moments import require_moment

#: Two texts whose :func:`text_similarity` reaches this are "near-identical".
NEAR_IDENTICAL_THRESHOLD = 0.9


class Attribute(StrEnum):
    """Canonical attributes. ``OTHER`` holds free-text facts no rule maps (e.g. from Mem0)."""

    NAME = "name"
    AGE = "age"
    BIRTHDAY = "birthday"
    LOCATION = "location"
    HOMETOWN = "hometown"
    EMPLOYER = "employer"
    OCCUPATION = "occupation"
    EDUCATION = "education"
    PARTNER = "partner"
    RELATIONSHIP_STATUS = "relationship_status"
    FAMILY_MEMBER = "family_member"
    PET = "pet"
    LIKES = "likes"
    DISLIKES = "dislikes"
    HOBBIES = "hobbies"
    ALLERGIES = "allergies"
    DIET = "diet"
    LANGUAGES = "languages"
    OTHER = "other"


class Cardinality(StrEnum):
    """Single-valued attributes hold one current value; a new one closes the old."""

    SINGLE = "single"
    MULTI = "multi"


class FactSource(StrEnum):
    """Where a fact came from."""

    RULES = "rules"
    LLM = "llm"
    MEM0 = "mem0"
    ZEP = "zep"
    USER = "user"


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """What the registry knows about one attribute."""

    attribute: Attribute
    cardinality: Cardinality
    description: str
    qualifier: str | None = None  # what the qualifier means, when the attribute has one

    @property
    def single_valued(self) -> bool:
        """True when a new value replaces (closes) the current one."""
        return self.cardinality is Cardinality.SINGLE


def _spec(
    attribute: Attribute, cardinality: Cardinality, description: str, qualifier: str | None = None
) -> tuple[Attribute, AttributeSpec]:
    return attribute, AttributeSpec(attribute, cardinality, description, qualifier)


_S, _M = Cardinality.SINGLE, Cardinality.MULTI

#: The attribute registry. Education is single-valued: the most recent school or field is
#: what matters in conversation, and older ones stay in history as closed facts.
ATTRIBUTES: Mapping[Attribute, AttributeSpec] = MappingProxyType(
    dict(
        [
            _spec(Attribute.NAME, _S, "the name the user goes by"),
            _spec(Attribute.AGE, _S, "age in years"),
            _spec(Attribute.BIRTHDAY, _S, "date of birth or birthday"),
            _spec(Attribute.LOCATION, _S, "where the user lives now"),
            _spec(Attribute.HOMETOWN, _S, "where the user is from or grew up"),
            _spec(Attribute.EMPLOYER, _S, "the organisation the user works for"),
            _spec(Attribute.OCCUPATION, _S, "the user's job or role"),
            _spec(Attribute.EDUCATION, _S, "school, university or field of study"),
            _spec(Attribute.PARTNER, _S, "spouse or partner", qualifier="relation"),
            _spec(Attribute.RELATIONSHIP_STATUS, _S, "married, single, engaged…"),
            _spec(Attribute.FAMILY_MEMBER, _M, "a relative", qualifier="relation"),
            _spec(Attribute.PET, _M, "a pet (value: name)", qualifier="species"),
            _spec(Attribute.LIKES, _M, "something the user likes", qualifier="category"),
            _spec(Attribute.DISLIKES, _M, "something the user dislikes", qualifier="category"),
            _spec(Attribute.HOBBIES, _M, "a hobby or pastime"),
            _spec(Attribute.ALLERGIES, _M, "an allergy"),
            _spec(Attribute.DIET, _S, "dietary choice (vegetarian, vegan…)"),
            _spec(Attribute.LANGUAGES, _M, "a language the user speaks"),
            _spec(Attribute.OTHER, _M, "a free-text fact"),
        ]
    )
)


def attribute_spec(attribute: Attribute) -> AttributeSpec:
    """The registry entry of ``attribute``."""
    return ATTRIBUTES[attribute]


def is_single_valued(attribute: Attribute) -> bool:
    """True when the attribute holds one current value at a time."""
    return ATTRIBUTES[attribute].single_valued


#: Likes and dislikes of the same thing exclude each other (see the temporal rules).
OPPOSITE_ATTRIBUTES: Mapping[Attribute, Attribute] = MappingProxyType(
    {Attribute.LIKES: Attribute.DISLIKES, Attribute.DISLIKES: Attribute.LIKES}
)

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


# --- normalization -------------------------------------------------------------------

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
    """True when the two texts are the same up to small edits or word order."""
    return text_similarity(left, right) >= threshold


_QUALIFIER_VOCABULARIES: Mapping[Attribute, Mapping[str, str]] = MappingProxyType(
    {
        Attribute.PET: lexicon.PET_SPECIES,
        Attribute.FAMILY_MEMBER: lexicon.FAMILY_RELATIONS,
        Attribute.PARTNER: lexicon.PARTNER_RELATIONS,
    }
)


def canonical_qualifier(attribute: Attribute, qualifier: str | None) -> str | None:
    """Canonical qualifier: a known species or relation word ("puppy" → "dog"), else cleaned."""
    if qualifier is None:
        return None
    cleaned = clean_display(qualifier).casefold()
    if not cleaned:
        return None
    vocabulary = _QUALIFIER_VOCABULARIES.get(attribute)
    if vocabulary is not None:
        return vocabulary.get(cleaned, vocabulary.get(cleaned.rstrip("s"), cleaned))
    return cleaned


@dataclass(frozen=True, slots=True, order=True)
class FactKey:
    """The dedupe key: attribute, normalized value and normalized qualifier ("" if none)."""

    attribute: Attribute
    value: str
    qualifier: str = ""

    def __str__(self) -> str:
        # qualifier and value are free text: joined unambiguously, a "|" in either cannot
        # make two different facts one
        return composite_key(self.attribute.value, self.qualifier, self.value, separator="|")


def fact_key(attribute: Attribute, value: str, qualifier: str | None = None) -> FactKey:
    """The dedupe key of a value of ``attribute``."""
    return FactKey(attribute, normalize_value(value), normalize_text(qualifier or ""))


def _article(word: str) -> str:
    return "an" if word[:1].casefold() in "aeiou" else "a"


def describe(attribute: Attribute, value: str, qualifier: str | None = None) -> str:
    """Short third-person display text of a fact ("Lives in Delhi", "Has a dog named Bruno")."""
    if attribute is Attribute.PET or attribute is Attribute.FAMILY_MEMBER:
        kind = qualifier or ("pet" if attribute is Attribute.PET else "relative")
        if normalize_value(value) == normalize_value(kind):
            return f"Has {_article(kind)} {kind}"
        return f"Has {_article(kind)} {kind} named {value}"
    if attribute is Attribute.PARTNER:
        return f"{(qualifier or 'partner').capitalize()} is {value}"
    if attribute is Attribute.LIKES and qualifier:
        return f"Favorite {qualifier} is {value}"
    if attribute is Attribute.OCCUPATION:
        return f"Works as {_article(value)} {value}"
    templates = {
        Attribute.NAME: "Name is {}",
        Attribute.AGE: "Is {} years old",
        Attribute.BIRTHDAY: "Birthday is {}",
        Attribute.LOCATION: "Lives in {}",
        Attribute.HOMETOWN: "Is from {}",
        Attribute.EMPLOYER: "Works at {}",
        Attribute.EDUCATION: "Education: {}",
        Attribute.RELATIONSHIP_STATUS: "Is {}",
        Attribute.LIKES: "Likes {}",
        Attribute.DISLIKES: "Dislikes {}",
        Attribute.HOBBIES: "Hobby: {}",
        Attribute.ALLERGIES: "Is allergic to {}",
        Attribute.DIET: "Diet: {}",
        Attribute.LANGUAGES: "Speaks {}",
        Attribute.OTHER: "{}",
    }
    return templates[attribute].format(value)


# --- the fact model ------------------------------------------------------------------


def require_aware(moment: datetime, *, field_name: str) -> datetime:
    """Return ``moment`` when it carries a timezone and lies within years 1-9999 in UTC
    (see :mod:`hybridmem.domain.moments`), else raise InvalidInput."""
    return require_moment(moment, field_name=field_name)


def _check_fact_fields(
    value: str, valid_from: datetime, valid_to: datetime | None, confidence: float
) -> None:
    if not value.strip():
        raise InvalidInput("a fact value must not be blank", details={"field": "value"})
    require_aware(valid_from, field_name="valid_from")
    if valid_to is not None:
        require_aware(valid_to, field_name="valid_to")
        if valid_to < valid_from:
            raise InvalidInput("valid_to precedes valid_from", details={"field": "valid_to"})
    if not 0.0 <= confidence <= 1.0:
        raise InvalidInput("confidence must be within [0, 1]", details={"field": "confidence"})


@dataclass(frozen=True, slots=True)
class FactCandidate:
    """A fact proposed by an extractor: no id and no user yet."""

    attribute: Attribute
    value: str
    valid_from: datetime
    text: str = ""
    qualifier: str | None = None
    valid_to: datetime | None = None
    provenance: tuple[str, ...] = ()
    source: FactSource = FactSource.RULES
    confidence: float = 1.0

    def __post_init__(self) -> None:
        _check_fact_fields(self.value, self.valid_from, self.valid_to, self.confidence)
        if not self.text:
            object.__setattr__(self, "text", describe(self.attribute, self.value, self.qualifier))

    @property
    def key(self) -> FactKey:
        """The dedupe key."""
        return fact_key(self.attribute, self.value, self.qualifier)

    @property
    def is_current(self) -> bool:
        """True while the fact has not been closed."""
        return self.valid_to is None

    def to_fact(self, *, fact_id: str, user_id: str) -> Fact:
        """The stored form of this candidate."""
        return Fact(
            fact_id=fact_id,
            user_id=user_id,
            attribute=self.attribute,
            value=self.value,
            valid_from=self.valid_from,
            text=self.text,
            qualifier=self.qualifier,
            valid_to=self.valid_to,
            provenance=self.provenance,
            source=self.source,
            confidence=self.confidence,
        )


@dataclass(frozen=True, slots=True)
class Fact:
    """A stored fact about one user, valid over ``[valid_from, valid_to)``.

    ``superseded_by`` points at the fact that replaced this one, when one did.
    """

    fact_id: str
    user_id: str
    attribute: Attribute
    value: str
    valid_from: datetime
    text: str = ""
    qualifier: str | None = None
    valid_to: datetime | None = None
    provenance: tuple[str, ...] = ()
    source: FactSource = FactSource.RULES
    confidence: float = 1.0
    superseded_by: str | None = None

    def __post_init__(self) -> None:
        _check_fact_fields(self.value, self.valid_from, self.valid_to, self.confidence)
        if not self.text:
            object.__setattr__(self, "text", describe(self.attribute, self.value, self.qualifier))

    @property
    def key(self) -> FactKey:
        """The dedupe key."""
        return fact_key(self.attribute, self.value, self.qualifier)

    @property
    def is_current(self) -> bool:
        """True while the fact has not been closed."""
        return self.valid_to is None

    def is_valid_at(self, moment: datetime) -> bool:
        """True when the fact held at ``moment`` (``valid_from <= moment < valid_to``)."""
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)

    def closed(self, valid_to: datetime, *, superseded_by: str | None = None) -> Fact:
        """A copy closed at ``valid_to`` (never before it started)."""
        return replace(
            self,
            valid_to=max(valid_to, self.valid_from),
            superseded_by=superseded_by if superseded_by is not None else self.superseded_by,
        )


def merge_provenance(*provenances: tuple[str, ...]) -> tuple[str, ...]:
    """Union of message ids, first occurrence order kept."""
    return tuple(dict.fromkeys(message_id for ids in provenances for message_id in ids))


def make_candidate(
    attribute: Attribute,
    value: str,
    *,
    observed_at: datetime,
    message_id: str | None = None,
    qualifier: str | None = None,
    valid_to: datetime | None = None,
    source: FactSource = FactSource.RULES,
    confidence: float = 1.0,
) -> FactCandidate | None:
    """Normalize an extracted (attribute, value, qualifier) into a candidate.

    Every extractor (rules or LLM) goes through here, so values are cleaned and qualifiers
    canonicalized the same way. Returns None when nothing usable is left of the value.
    """
    display = clean_display(value)
    if attribute is Attribute.AGE:
        digits = re.search(r"\d{1,3}", display)
        if digits is None or not 0 < int(digits.group()) < 130:
            return None
        display = digits.group()
    elif attribute is Attribute.DIET:
        display = lexicon.DIETS.get(display.casefold(), display)
    elif attribute is Attribute.RELATIONSHIP_STATUS:
        display = lexicon.RELATIONSHIP_STATUSES.get(display.casefold(), display)
    if not normalize_value(display):
        return None
    return FactCandidate(
        attribute=attribute,
        value=display,
        valid_from=observed_at,
        qualifier=canonical_qualifier(attribute, qualifier),
        valid_to=valid_to,
        provenance=(message_id,) if message_id else (),
        source=source,
        confidence=confidence,
    )


def normalize_labelled(
    label: str,
    value: str,
    *,
    observed_at: datetime,
    message_id: str | None = None,
    qualifier: str | None = None,
    source: FactSource = FactSource.LLM,
    confidence: float = 0.8,
) -> FactCandidate:
    """Candidate from a labelled fact (LLM or provider output); unknown labels become OTHER."""
    attribute = attribute_for_phrase(label) or Attribute.OTHER
    candidate = make_candidate(
        attribute,
        value,
        observed_at=observed_at,
        message_id=message_id,
        qualifier=qualifier,
        source=source,
        confidence=confidence,
    )
    if candidate is None:
        raise InvalidInput("the fact has no usable value", details={"field": "value"})
    return candidate
