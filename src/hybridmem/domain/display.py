"""Display text of a fact: short third-person sentences ("Lives in Delhi")."""

from __future__ import annotations

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.text import normalize_value


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
        Attribute.NATIONALITY: "Nationality: {}",
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
