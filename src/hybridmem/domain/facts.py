"""Facts about a user: the model, its dedupe key and the normalizer every extractor uses.

A fact is ``(user_id, attribute, value)`` plus a qualifier where the attribute needs one
(a pet's species, a family member's relation), display text, provenance and a validity
interval. Values keep the form the user wrote for display; comparisons use
:func:`~hybridmem.domain.text.normalize_value`, and duplicates are found by :class:`FactKey`.
The attribute registry lives in :mod:`hybridmem.domain.attributes`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from hybridmem.domain import lexicon
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.display import describe
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.keys import composite_key
from hybridmem.domain.moments import require_moment
from hybridmem.domain.phrases import attribute_for_phrase
from hybridmem.domain.text import clean_display, normalize_text, normalize_value


class Revision(StrEnum):
    """How a candidate revises what is stored (see :mod:`hybridmem.domain.temporal`).

    - ``STATEMENT``: an ordinary statement (a new value supersedes and closes the old one);
    - ``CORRECTION``: the user fixes a slip ("sorry, I meant Leeds, not Leicester"): the
      wrong value is removed, not kept as history, and the candidate takes its place; a
      correction that fits no stored value of its attribute changes nothing;
    - ``ENDING``: something stopped holding ("Rex passed away", "I left Google"): it closes
      the matching current fact (whatever its qualifier) and records nothing otherwise.
    """

    STATEMENT = "statement"
    CORRECTION = "correction"
    ENDING = "ending"


class FactSource(StrEnum):
    """Where a fact came from."""

    RULES = "rules"
    LLM = "llm"
    MEM0 = "mem0"
    ZEP = "zep"
    USER = "user"


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


# --- the fact model ------------------------------------------------------------------


def require_aware(moment: datetime, *, field_name: str) -> datetime:
    """Return ``moment`` when it carries a timezone and lies within years 1-9999 in UTC
    (see :mod:`hybridmem.domain.moments`), else raise InvalidInput."""
    return require_moment(moment, field_name=field_name)


@dataclass(frozen=True, slots=True)
class FactCandidate:
    """What a fact says (attribute, value, validity, provenance), as an extractor proposes
    it: no id and no owner yet. A stored :class:`Fact` is a candidate given both."""

    attribute: Attribute
    value: str
    valid_from: datetime
    text: str = ""
    qualifier: str | None = None
    valid_to: datetime | None = None
    provenance: tuple[str, ...] = ()
    source: FactSource = FactSource.RULES
    confidence: float = 1.0
    #: How the candidate revises stored facts; stored facts are always statements.
    revision: Revision = Revision.STATEMENT
    #: For a correction: the wrong value it replaces, when the user named it ("not X").
    replaces: str | None = None

    def __post_init__(self) -> None:
        if not self.value.strip():
            raise InvalidInput("a fact value must not be blank", details={"field": "value"})
        require_aware(self.valid_from, field_name="valid_from")
        if self.valid_to is not None:
            require_aware(self.valid_to, field_name="valid_to")
            if self.valid_to < self.valid_from:
                raise InvalidInput("valid_to precedes valid_from", details={"field": "valid_to"})
        if not 0.0 <= self.confidence <= 1.0:
            raise InvalidInput("confidence must be within [0, 1]", details={"field": "confidence"})
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

    def to_fact(self, *, fact_id: str, user_id: str) -> Fact:
        """The stored form of this candidate."""
        return Fact(
            self.attribute,
            self.value,
            self.valid_from,
            text=self.text,
            qualifier=self.qualifier,
            valid_to=self.valid_to,
            provenance=self.provenance,
            source=self.source,
            confidence=self.confidence,
            fact_id=fact_id,
            user_id=user_id,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact(FactCandidate):
    """A stored fact about one user, valid over ``[valid_from, valid_to)``.

    ``superseded_by`` points at the fact that replaced this one, when one did.
    """

    fact_id: str
    user_id: str
    superseded_by: str | None = None

    def closed(self, valid_to: datetime, *, superseded_by: str | None = None) -> Fact:
        """A copy closed at ``valid_to`` (never before it started)."""
        return replace(
            self,
            valid_to=max(valid_to, self.valid_from),
            superseded_by=superseded_by if superseded_by is not None else self.superseded_by,
        )


def fact_document(fact: Fact) -> dict[str, Any]:
    """The JSON form of a fact that history events record (every store uses this one)."""
    return {
        "attribute": fact.attribute.value,
        "value": fact.value,
        "qualifier": fact.qualifier,
        "text": fact.text,
        "valid_from": fact.valid_from.isoformat(),
        "valid_to": fact.valid_to.isoformat() if fact.valid_to else None,
        "provenance": list(fact.provenance),
        "source": fact.source.value,
        "confidence": fact.confidence,
        "superseded_by": fact.superseded_by,
    }


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
    revision: Revision = Revision.STATEMENT,
    replaces: str | None = None,
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
    elif attribute is Attribute.BIRTHDAY:
        display = _plain_date(display)
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
        revision=revision,
        replaces=clean_display(replaces) if replaces else None,
    )


_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_DATE_FILLER = re.compile(r"^(?:the|on)\s+|\s+of(?=\s)", re.IGNORECASE)


def _plain_date(display: str) -> str:
    """ "the 14th of February" → "14 February" (one spelling for one date)."""
    plain = _ORDINAL.sub(r"\1", display)
    for _ in range(2):  # "on the 14th of …": both leading fillers go
        plain = _DATE_FILLER.sub("", plain)
    return " ".join(plain.split())


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
