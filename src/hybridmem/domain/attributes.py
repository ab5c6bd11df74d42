"""The attribute registry: what a fact can be about, and how many values it holds at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Attribute(StrEnum):
    """Canonical attributes. ``OTHER`` holds free-text facts no rule maps (e.g. from Mem0)."""

    NAME = "name"
    AGE = "age"
    BIRTHDAY = "birthday"
    LOCATION = "location"
    HOMETOWN = "hometown"
    NATIONALITY = "nationality"
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
#: Nationality is multi-valued: "I'm also a US citizen" adds a citizenship.
ATTRIBUTES: Mapping[Attribute, AttributeSpec] = MappingProxyType(
    dict(
        [
            _spec(Attribute.NAME, _S, "the name the user goes by"),
            _spec(Attribute.AGE, _S, "age in years"),
            _spec(Attribute.BIRTHDAY, _S, "date of birth or birthday"),
            _spec(Attribute.LOCATION, _S, "where the user lives now"),
            _spec(Attribute.HOMETOWN, _S, "where the user is from or grew up"),
            _spec(Attribute.NATIONALITY, _M, "the user's nationality or citizenship (Kenyan)"),
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
