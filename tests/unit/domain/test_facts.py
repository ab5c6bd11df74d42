"""The fact model, the attribute registry and the normalizer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.attributes import ATTRIBUTES, Attribute, Cardinality, is_single_valued
from hybridmem.domain.display import describe
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import (
    Fact,
    FactCandidate,
    FactSource,
    canonical_qualifier,
    fact_key,
    make_candidate,
    merge_provenance,
    normalize_labelled,
)
from hybridmem.domain.phrases import attribute_for_phrase
from hybridmem.domain.text import (
    clean_display,
    is_near_identical,
    normalize_text,
    normalize_value,
    text_similarity,
)

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_every_attribute_is_registered() -> None:
    assert set(ATTRIBUTES) == set(Attribute)


@pytest.mark.parametrize(
    "attribute",
    [
        Attribute.NAME,
        Attribute.AGE,
        Attribute.BIRTHDAY,
        Attribute.LOCATION,
        Attribute.HOMETOWN,
        Attribute.EMPLOYER,
        Attribute.OCCUPATION,
        Attribute.EDUCATION,
        Attribute.PARTNER,
        Attribute.RELATIONSHIP_STATUS,
        Attribute.DIET,
    ],
)
def test_single_valued_attributes(attribute: Attribute) -> None:
    assert is_single_valued(attribute)
    assert ATTRIBUTES[attribute].cardinality is Cardinality.SINGLE


@pytest.mark.parametrize(
    "attribute",
    [
        Attribute.FAMILY_MEMBER,
        Attribute.PET,
        Attribute.LIKES,
        Attribute.DISLIKES,
        Attribute.HOBBIES,
        Attribute.ALLERGIES,
        Attribute.LANGUAGES,
        Attribute.OTHER,
    ],
)
def test_multi_valued_attributes(attribute: Attribute) -> None:
    assert not is_single_valued(attribute)


def test_qualified_attributes_name_their_qualifier() -> None:
    assert ATTRIBUTES[Attribute.PET].qualifier == "species"
    assert ATTRIBUTES[Attribute.FAMILY_MEMBER].qualifier == "relation"


@pytest.mark.parametrize(
    ("phrase", "attribute"),
    [
        ("live in", Attribute.LOCATION),
        ("based in", Attribute.LOCATION),
        ("moved to", Attribute.LOCATION),
        ("Lives in", Attribute.LOCATION),
        ("city", Attribute.LOCATION),
        ("work at", Attribute.EMPLOYER),
        ("works for", Attribute.EMPLOYER),
        ("company", Attribute.EMPLOYER),
        ("I'm a", Attribute.OCCUPATION),
        ("work as", Attribute.OCCUPATION),
        ("job", Attribute.OCCUPATION),
        ("love", Attribute.LIKES),
        ("am into", Attribute.LIKES),
        ("enjoy", Attribute.LIKES),
        ("hate", Attribute.DISLIKES),
        ("can't stand", Attribute.DISLIKES),
        ("don't like", Attribute.DISLIKES),
        ("spouse", Attribute.PARTNER),
        ("wife", Attribute.PARTNER),
        ("grew up in", Attribute.HOMETOWN),
        ("allergic to", Attribute.ALLERGIES),
        ("speaks", Attribute.LANGUAGES),
        ("relationship_status", Attribute.RELATIONSHIP_STATUS),
        ("family member", Attribute.FAMILY_MEMBER),
        ("pets", Attribute.PET),
        ("the user lives in", Attribute.LOCATION),
    ],
)
def test_phrasings_map_to_attributes(phrase: str, attribute: Attribute) -> None:
    assert attribute_for_phrase(phrase) is attribute


def test_unknown_phrasings_map_to_nothing() -> None:
    assert attribute_for_phrase("favourite planet orbit") is None


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("  New   Delhi ", "new delhi"),
        ("DELHI!", "delhi"),
        ("Don’t", "dont"),
        ("ＤＥＬＨＩ", "delhi"),  # full-width letters fold under NFKC
        ("Straße", "strasse"),  # casefold, not lower
        ("C++ and C#", "c++ and c#"),
        ("rock-and-roll", "rock and roll"),
    ],
)
def test_normalize_text(raw: str, normalized: str) -> None:
    assert normalize_text(raw) == normalized


def test_normalize_value_drops_a_leading_article_only() -> None:
    assert normalize_value("The Bay Area") == "bay area"
    assert normalize_value("a dog") == "dog"
    assert normalize_value("Theatre") == "theatre"
    assert normalize_value("The") == "the"


def test_display_form_keeps_case_and_trims_noise() -> None:
    assert clean_display('  "New   York City". ') == "New York City"
    assert clean_display("São Paulo") == "São Paulo"


def test_fact_key_ignores_case_punctuation_and_articles() -> None:
    assert fact_key(Attribute.LOCATION, "the Bay Area!") == fact_key(Attribute.LOCATION, "bay area")
    assert fact_key(Attribute.PET, "Bruno", "Dog") == fact_key(Attribute.PET, "bruno", "dog")
    assert fact_key(Attribute.PET, "Bruno", "dog") != fact_key(Attribute.PET, "Bruno", "cat")
    assert fact_key(Attribute.LIKES, "chess") != fact_key(Attribute.DISLIKES, "chess")
    assert str(fact_key(Attribute.PET, "Bruno", "dog")) == "pet|dog|bruno"


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(left: str, right: str) -> None:
    score = text_similarity(left, right)
    assert 0.0 <= score <= 1.0
    assert score == text_similarity(right, left)


@given(st.text(max_size=40))
def test_similarity_of_a_text_with_itself_is_one(text: str) -> None:
    assert text_similarity(text, text) == 1.0


def test_near_identical_texts() -> None:
    assert is_near_identical("Star Wars", "Starwars")
    assert is_near_identical("New York City", "city new york")  # word order
    assert is_near_identical("Lives in Delhi.", "lives in delhi")
    assert not is_near_identical("chess", "chest")
    assert not is_near_identical("Delhi", "Mumbai")


def test_qualifiers_are_canonical() -> None:
    assert canonical_qualifier(Attribute.PET, "Puppy") == "dog"
    assert canonical_qualifier(Attribute.PET, "kittens") == "cat"
    assert canonical_qualifier(Attribute.FAMILY_MEMBER, "mom") == "mother"
    assert canonical_qualifier(Attribute.PARTNER, "hubby") == "husband"
    assert canonical_qualifier(Attribute.LIKES, " Colour ") == "colour"
    assert canonical_qualifier(Attribute.PET, None) is None


@pytest.mark.parametrize(
    ("attribute", "value", "qualifier", "text"),
    [
        (Attribute.LOCATION, "Delhi", None, "Lives in Delhi"),
        (Attribute.PET, "Bruno", "dog", "Has a dog named Bruno"),
        (Attribute.PET, "dog", "dog", "Has a dog"),
        (Attribute.FAMILY_MEMBER, "Ana", "sister", "Has a sister named Ana"),
        (Attribute.PARTNER, "Priya", "wife", "Wife is Priya"),
        (Attribute.OCCUPATION, "engineer", None, "Works as an engineer"),
        (Attribute.LIKES, "blue", "color", "Favorite color is blue"),
        (Attribute.ALLERGIES, "peanuts", None, "Is allergic to peanuts"),
    ],
)
def test_describe(attribute: Attribute, value: str, qualifier: str | None, text: str) -> None:
    assert describe(attribute, value, qualifier) == text


def test_a_fact_gets_display_text_and_a_key() -> None:
    fact = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.LOCATION,
        value="Delhi",
        valid_from=NOW,
        provenance=("m1",),
    )
    assert fact.text == "Lives in Delhi"
    assert fact.is_current
    assert fact.key == fact_key(Attribute.LOCATION, "delhi")


def test_validity_is_half_open() -> None:
    fact = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.LOCATION,
        value="Delhi",
        valid_from=NOW,
        valid_to=NOW + timedelta(days=1),
    )
    assert fact.is_valid_at(NOW)
    assert not fact.is_valid_at(NOW + timedelta(days=1))
    assert not fact.is_valid_at(NOW - timedelta(seconds=1))


def test_closing_never_ends_before_the_start() -> None:
    fact = Fact(
        fact_id="f1", user_id="u1", attribute=Attribute.LOCATION, value="Delhi", valid_from=NOW
    )
    closed = fact.closed(NOW - timedelta(days=3), superseded_by="f2")
    assert closed.valid_to == NOW
    assert closed.superseded_by == "f2"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"valid_from": datetime(2024, 1, 1)},  # naive
        {"valid_to": datetime(2024, 1, 1)},  # naive
        {"valid_to": NOW - timedelta(days=1)},  # ends before it starts
        {"value": "   "},
        {"confidence": 1.5},
    ],
)
def test_invalid_facts_are_refused(kwargs: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "fact_id": "f1",
        "user_id": "u1",
        "attribute": Attribute.LOCATION,
        "value": "Delhi",
        "valid_from": NOW,
    }
    with pytest.raises(InvalidInput):
        Fact(**{**fields, **kwargs})  # type: ignore[arg-type]


def test_a_candidate_becomes_a_fact() -> None:
    candidate = FactCandidate(Attribute.LIKES, "chess", NOW, provenance=("m1",))
    fact = candidate.to_fact(fact_id="f9", user_id="u1")
    assert (fact.fact_id, fact.user_id, fact.value, fact.provenance) == (
        "f9",
        "u1",
        "chess",
        ("m1",),
    )
    assert fact.text == "Likes chess"


def test_make_candidate_normalizes_values() -> None:
    age = make_candidate(Attribute.AGE, "30 years old", observed_at=NOW, message_id="m1")
    assert age is not None
    assert age.value == "30"
    assert make_candidate(Attribute.AGE, "ancient", observed_at=NOW) is None
    diet = make_candidate(Attribute.DIET, "Gluten free", observed_at=NOW)
    assert diet is not None
    assert diet.value == "gluten-free"
    pet = make_candidate(Attribute.PET, " Bruno. ", observed_at=NOW, qualifier="Puppy")
    assert pet is not None
    assert (pet.value, pet.qualifier) == ("Bruno", "dog")
    assert make_candidate(Attribute.LIKES, " ... ", observed_at=NOW) is None


def test_labelled_facts_from_an_llm_go_through_the_same_normalizer() -> None:
    candidate = normalize_labelled("lives_in", " Mumbai ", observed_at=NOW, message_id="m1")
    assert (candidate.attribute, candidate.value, candidate.source) == (
        Attribute.LOCATION,
        "Mumbai",
        FactSource.LLM,
    )
    other = normalize_labelled("favourite planet orbit", "Is planning a trip", observed_at=NOW)
    assert other.attribute is Attribute.OTHER
    with pytest.raises(InvalidInput):
        normalize_labelled("location", "!!", observed_at=NOW)


def test_provenance_merges_in_first_seen_order() -> None:
    assert merge_provenance(("m1", "m2"), ("m2", "m3"), ("m1",)) == ("m1", "m2", "m3")
