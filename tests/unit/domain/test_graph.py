"""The graph model: updates from temporal decisions and "valid as of" queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, FactCandidate, FactSource
from hybridmem.domain.graph import (
    EntityType,
    Relation,
    RelationType,
    apply_graph_update,
    entity_key,
    facts_to_graph,
    graph_update,
    relation_for_fact,
    relation_to_fact,
    relations_of,
    relations_valid_at,
    target_entity,
    user_entity,
)
from hybridmem.domain.temporal import plan_temporal_update

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def ids() -> Callable[[], str]:
    counter = count(1)
    return lambda: f"n{next(counter)}"


def test_a_pet_fact_becomes_user_has_pet_bruno() -> None:
    fact = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.PET,
        value="Bruno",
        valid_from=day(1),
        qualifier="dog",
        provenance=("m1",),
    )
    relation = relation_for_fact(fact)
    bruno = target_entity(fact)
    assert (bruno.name, bruno.entity_type, bruno.summary) == ("Bruno", EntityType.PET, "dog")
    assert relation.source_key == user_entity("u1").key == "user:u1"
    assert relation.relation_type is RelationType.HAS_PET
    assert relation.target_key == bruno.key == "pet:bruno:dog"
    assert (relation.episode_id, relation.fact, relation.valid_at) == (
        "m1",
        "Has a dog named Bruno",
        day(1),
    )


def test_entity_keys_are_stable_across_spellings() -> None:
    assert entity_key(EntityType.PLACE, "New Delhi") == entity_key(EntityType.PLACE, "new delhi!")
    assert entity_key(EntityType.PLACE, "Paris") != entity_key(EntityType.PERSON, "Paris")


def test_a_move_invalidates_the_old_relation_and_adds_the_new_one() -> None:
    delhi = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.LOCATION,
        value="Delhi",
        valid_from=day(1),
        provenance=("m1",),
    )
    entities, relations = apply_graph_update([], [], facts_to_graph([delhi]))
    plan = plan_temporal_update(
        [delhi],
        [FactCandidate(Attribute.LOCATION, "Mumbai", day(10), provenance=("m2",))],
        user_id="u1",
        new_id=ids(),
    )
    update = graph_update(plan.decisions)
    assert [e.name for e in update.entities] == ["u1", "Mumbai"]
    [added] = update.added
    [invalidation] = update.invalidated
    assert (added.relation_type, added.episode_id) == (RelationType.LIVES_IN, "m2")
    assert (invalidation.relation_id, invalidation.invalid_at) == ("rel:f1", day(10))
    assert invalidation.invalidated_by == added.relation_id
    entities, relations = apply_graph_update(entities, relations, update)
    assert len(relations) == 2  # the old relation is kept, invalidated
    assert [r.fact for r in relations_valid_at(relations, day(5))] == ["Lives in Delhi"]
    assert [r.fact for r in relations_valid_at(relations, day(10))] == ["Lives in Mumbai"]
    assert [r.fact for r in relations_of(relations, include_invalidated=True)] == [
        "Lives in Mumbai",
        "Lives in Delhi",
    ]
    assert [r.fact for r in relations_of(relations)] == ["Lives in Mumbai"]


def test_confirmations_do_not_touch_the_graph() -> None:
    delhi = Fact(
        fact_id="f1", user_id="u1", attribute=Attribute.LOCATION, value="Delhi", valid_from=day(1)
    )
    plan = plan_temporal_update(
        [delhi], [FactCandidate(Attribute.LOCATION, "Delhi", day(3))], user_id="u1", new_id=ids()
    )
    assert graph_update(plan.decisions).is_empty


def test_history_is_added_already_invalid() -> None:
    plan = plan_temporal_update(
        [],
        [FactCandidate(Attribute.LOCATION, "Boston", day(3), valid_to=day(3))],
        user_id="u1",
        new_id=ids(),
    )
    [relation] = graph_update(plan.decisions).added
    assert relation.invalid_at == day(3)
    assert relations_valid_at([relation], day(3)) == []


@pytest.mark.parametrize(
    ("moment", "valid"),
    [(day(0), False), (day(1), True), (day(4), True), (day(5), False), (day(9), False)],
)
def test_valid_as_of_is_half_open(moment: datetime, valid: bool) -> None:
    relation = Relation(
        "r", "u1", "user:u1", RelationType.LIKES, "other:tea", "Likes tea", day(1), day(5)
    )
    assert (relations_valid_at([relation], moment) == [relation]) is valid


def test_relations_need_aware_times_in_order() -> None:
    with pytest.raises(InvalidInput):
        Relation("r", "u1", "a", RelationType.LIKES, "b", "x", datetime(2024, 1, 1))
    with pytest.raises(InvalidInput):
        Relation("r", "u1", "a", RelationType.LIKES, "b", "x", day(2), day(1))
    with pytest.raises(InvalidInput):
        relations_valid_at([], datetime(2024, 1, 1))


def test_relations_read_back_as_facts() -> None:
    fact = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.FAMILY_MEMBER,
        value="Ana",
        valid_from=day(1),
        qualifier="sister",
        valid_to=day(4),
        provenance=("m1",),
        superseded_by="f2",
    )
    back = relation_to_fact(relation_for_fact(fact), target_entity(fact), source=FactSource.RULES)
    assert back == fact


def test_updates_are_idempotent() -> None:
    fact = Fact(
        fact_id="f1", user_id="u1", attribute=Attribute.LIKES, value="tea", valid_from=day(1)
    )
    update = facts_to_graph([fact])
    once = apply_graph_update([], [], update)
    assert apply_graph_update(*once, update) == once
