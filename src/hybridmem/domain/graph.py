"""The temporal knowledge graph: entities, relations with validity, and their updates.

Every fact about a user is one relation from the user's entity to a target entity
(``user —lives_in→ Delhi``, ``user —has_pet→ Bruno``), valid over ``[valid_at, invalid_at)``
and linked to the episode (message) it came from. A superseded relation is invalidated,
never deleted, so "as of" queries can still see it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, FactSource, require_aware
from hybridmem.domain.temporal import TemporalAction, TemporalDecision
from hybridmem.domain.text import normalize_text, normalize_value


class EntityType(StrEnum):
    """What an entity is."""

    USER = "user"
    PERSON = "person"
    PET = "pet"
    PLACE = "place"
    ORGANISATION = "organisation"
    OTHER = "other"


class RelationType(StrEnum):
    """How the user relates to an entity; one per fact attribute."""

    HAS_NAME = "has_name"
    HAS_AGE = "has_age"
    BORN_ON = "born_on"
    LIVES_IN = "lives_in"
    IS_FROM = "is_from"
    HAS_NATIONALITY = "has_nationality"
    WORKS_AT = "works_at"
    WORKS_AS = "works_as"
    STUDIED_AT = "studied_at"
    HAS_PARTNER = "has_partner"
    HAS_RELATIONSHIP_STATUS = "has_relationship_status"
    HAS_FAMILY_MEMBER = "has_family_member"
    HAS_PET = "has_pet"
    LIKES = "likes"
    DISLIKES = "dislikes"
    HAS_HOBBY = "has_hobby"
    ALLERGIC_TO = "allergic_to"
    FOLLOWS_DIET = "follows_diet"
    SPEAKS = "speaks"
    RELATED_TO = "related_to"


_A, _R, _E = Attribute, RelationType, EntityType
#: attribute → (relation type, target entity type)
RELATION_FOR_ATTRIBUTE: Mapping[Attribute, tuple[RelationType, EntityType]] = MappingProxyType(
    {
        _A.NAME: (_R.HAS_NAME, _E.OTHER),
        _A.AGE: (_R.HAS_AGE, _E.OTHER),
        _A.BIRTHDAY: (_R.BORN_ON, _E.OTHER),
        _A.LOCATION: (_R.LIVES_IN, _E.PLACE),
        _A.HOMETOWN: (_R.IS_FROM, _E.PLACE),
        _A.NATIONALITY: (_R.HAS_NATIONALITY, _E.OTHER),
        _A.EMPLOYER: (_R.WORKS_AT, _E.ORGANISATION),
        _A.OCCUPATION: (_R.WORKS_AS, _E.OTHER),
        _A.EDUCATION: (_R.STUDIED_AT, _E.ORGANISATION),
        _A.PARTNER: (_R.HAS_PARTNER, _E.PERSON),
        _A.RELATIONSHIP_STATUS: (_R.HAS_RELATIONSHIP_STATUS, _E.OTHER),
        _A.FAMILY_MEMBER: (_R.HAS_FAMILY_MEMBER, _E.PERSON),
        _A.PET: (_R.HAS_PET, _E.PET),
        _A.LIKES: (_R.LIKES, _E.OTHER),
        _A.DISLIKES: (_R.DISLIKES, _E.OTHER),
        _A.HOBBIES: (_R.HAS_HOBBY, _E.OTHER),
        _A.ALLERGIES: (_R.ALLERGIC_TO, _E.OTHER),
        _A.DIET: (_R.FOLLOWS_DIET, _E.OTHER),
        _A.LANGUAGES: (_R.SPEAKS, _E.OTHER),
        _A.OTHER: (_R.RELATED_TO, _E.OTHER),
    }
)
ATTRIBUTE_FOR_RELATION: Mapping[RelationType, Attribute] = MappingProxyType(
    {relation: attribute for attribute, (relation, _) in RELATION_FOR_ATTRIBUTE.items()}
)


@dataclass(frozen=True, slots=True)
class Entity:
    """A node of one user's graph. ``key`` is stable across restatements of the same name."""

    user_id: str
    key: str
    name: str
    entity_type: EntityType
    summary: str | None = None  # e.g. a pet's species or a relative's relation


@dataclass(frozen=True, slots=True)
class Relation:
    """An edge ``source —relation_type→ target`` valid over ``[valid_at, invalid_at)``."""

    relation_id: str
    user_id: str
    source_key: str
    relation_type: RelationType
    target_key: str
    fact: str
    valid_at: datetime
    invalid_at: datetime | None = None
    episode_id: str | None = None  # the message the relation came from
    qualifier: str | None = None
    invalidated_by: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.valid_at, field_name="valid_at")
        if self.invalid_at is not None:
            require_aware(self.invalid_at, field_name="invalid_at")
            if self.invalid_at < self.valid_at:
                raise InvalidInput("invalid_at precedes valid_at", details={"field": "invalid_at"})

    def is_valid_at(self, moment: datetime) -> bool:
        """True when ``valid_at <= moment`` and the relation was not yet invalidated."""
        return self.valid_at <= moment and (self.invalid_at is None or self.invalid_at > moment)


@dataclass(frozen=True, slots=True)
class RelationInvalidation:
    """Mark ``relation_id`` invalid from ``invalid_at`` on, replaced by ``invalidated_by``."""

    relation_id: str
    invalid_at: datetime
    invalidated_by: str | None = None


@dataclass(frozen=True, slots=True)
class GraphUpdate:
    """What to write to the graph: relations to remove first (a fact the user corrected or
    deleted), entity upserts (idempotent by key), new relations, and invalidations of
    existing ones."""

    entities: tuple[Entity, ...] = ()
    added: tuple[Relation, ...] = ()
    invalidated: tuple[RelationInvalidation, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to write."""
        return not (self.entities or self.added or self.invalidated or self.removed)


def user_entity(user_id: str) -> Entity:
    """The entity that stands for the user in their own graph."""
    return Entity(user_id=user_id, key=f"user:{user_id}", name=user_id, entity_type=EntityType.USER)


def entity_key(entity_type: EntityType, name: str, qualifier: str | None = None) -> str:
    """Stable key of a named entity ("place:new delhi", "pet:bruno:dog")."""
    key = f"{entity_type.value}:{normalize_value(name)}"
    if entity_type is EntityType.PET and qualifier:
        key += f":{normalize_text(qualifier)}"
    return key


def relation_id_for(fact_id: str) -> str:
    """The id of the relation mirroring fact ``fact_id`` (one relation per fact)."""
    return f"rel:{fact_id}"


def fact_id_for(relation_id: str) -> str:
    """Inverse of :func:`relation_id_for` (a foreign relation id is kept as is)."""
    return relation_id.removeprefix("rel:")


def target_entity(fact: Fact) -> Entity:
    """The entity a fact points at."""
    _, entity_type = RELATION_FOR_ATTRIBUTE[fact.attribute]
    return Entity(
        user_id=fact.user_id,
        key=entity_key(entity_type, fact.value, fact.qualifier),
        name=fact.value,
        entity_type=entity_type,
        summary=fact.qualifier,
    )


def relation_for_fact(fact: Fact) -> Relation:
    """The relation mirroring ``fact`` (same validity, episode = the first message)."""
    relation_type, _ = RELATION_FOR_ATTRIBUTE[fact.attribute]
    return Relation(
        relation_id=relation_id_for(fact.fact_id),
        user_id=fact.user_id,
        source_key=user_entity(fact.user_id).key,
        relation_type=relation_type,
        target_key=target_entity(fact).key,
        fact=fact.text,
        valid_at=fact.valid_from,
        invalid_at=fact.valid_to,
        episode_id=fact.provenance[0] if fact.provenance else None,
        qualifier=fact.qualifier,
        invalidated_by=relation_id_for(fact.superseded_by) if fact.superseded_by else None,
    )


def relation_to_fact(
    relation: Relation, target: Entity, *, source: FactSource = FactSource.ZEP
) -> Fact:
    """The fact a relation states, for consolidation with the fact memory."""
    attribute = ATTRIBUTE_FOR_RELATION[relation.relation_type]
    qualifier = relation.qualifier or (target.summary if attribute is Attribute.PET else None)
    return Fact(
        fact_id=fact_id_for(relation.relation_id),
        user_id=relation.user_id,
        attribute=attribute,
        value=target.name,
        valid_from=relation.valid_at,
        text=relation.fact,
        qualifier=qualifier,
        valid_to=relation.invalid_at,
        provenance=(relation.episode_id,) if relation.episode_id else (),
        source=source,
        superseded_by=fact_id_for(relation.invalidated_by) if relation.invalidated_by else None,
    )


def fact_edit(previous: Fact, corrected: Fact | None) -> GraphUpdate:
    """The graph change that mirrors the user correcting a fact (``corrected``) or
    deleting it (None): its relation goes, and the corrected one takes its place."""
    removed = (relation_id_for(previous.fact_id),)
    if corrected is None:
        return GraphUpdate(removed=removed)
    mirror = facts_to_graph([corrected])
    return GraphUpdate(mirror.entities, mirror.added, (), removed)


def graph_update(decisions: Sequence[TemporalDecision]) -> GraphUpdate:
    """Turn temporal decisions into entity upserts, relation adds and invalidations.

    An added fact becomes a relation (already invalid when the fact is closed history); a
    closed fact invalidates its relation; a confirmation changes nothing in the graph.
    """
    entities: dict[str, Entity] = {}
    added: list[Relation] = []
    invalidated: list[RelationInvalidation] = []
    for decision in decisions:
        fact = decision.fact
        if decision.action is TemporalAction.ADD:
            for entity in (user_entity(fact.user_id), target_entity(fact)):
                entities.setdefault(entity.key, entity)
            added.append(relation_for_fact(fact))
        elif decision.action is TemporalAction.CLOSE and fact.valid_to is not None:
            successor = relation_id_for(fact.superseded_by) if fact.superseded_by else None
            invalidated.append(
                RelationInvalidation(relation_id_for(fact.fact_id), fact.valid_to, successor)
            )
    return GraphUpdate(tuple(entities.values()), tuple(added), tuple(invalidated))


def facts_to_graph(facts: Iterable[Fact]) -> GraphUpdate:
    """The graph that mirrors a set of facts (e.g. to rebuild or backfill a user's graph)."""
    entities: dict[str, Entity] = {}
    relations: list[Relation] = []
    for fact in facts:
        for entity in (user_entity(fact.user_id), target_entity(fact)):
            entities.setdefault(entity.key, entity)
        relations.append(relation_for_fact(fact))
    return GraphUpdate(tuple(entities.values()), tuple(relations), ())


def apply_graph_update(
    entities: Iterable[Entity], relations: Iterable[Relation], update: GraphUpdate
) -> tuple[list[Entity], list[Relation]]:
    """The graph after ``update`` (pure; an in-memory reference for the stores' semantics).

    Removals come first; upserts keep the first name seen for a key; adding a relation id
    twice is a no-op; invalidating (or removing) an unknown relation is ignored (it may
    live in another store).
    """
    by_key = {entity.key: entity for entity in entities}
    for entity in update.entities:
        by_key.setdefault(entity.key, entity)
    gone = set(update.removed)
    by_id = {r.relation_id: r for r in relations if r.relation_id not in gone}
    for new in update.added:
        by_id.setdefault(new.relation_id, new)
    for change in update.invalidated:
        if (old := by_id.get(change.relation_id)) is not None:
            invalid_at = max(change.invalid_at, old.valid_at)
            by_id[change.relation_id] = replace(
                old, invalid_at=invalid_at, invalidated_by=change.invalidated_by
            )
    return list(by_key.values()), list(by_id.values())


def relations_valid_at(relations: Iterable[Relation], moment: datetime) -> list[Relation]:
    """Relations that held at ``moment``: ``valid_at <= moment < invalid_at`` (or no end)."""
    require_aware(moment, field_name="moment")
    return [relation for relation in relations if relation.is_valid_at(moment)]


def relations_of(
    relations: Iterable[Relation],
    *,
    relation_types: Iterable[RelationType] | None = None,
    include_invalidated: bool = False,
) -> list[Relation]:
    """Relations of the given types, newest first; current ones only unless asked."""
    wanted = set(relation_types) if relation_types is not None else None
    chosen = [
        relation
        for relation in relations
        if (wanted is None or relation.relation_type in wanted)
        and (include_invalidated or relation.invalid_at is None)
    ]
    return sorted(chosen, key=lambda r: (r.valid_at, r.relation_id), reverse=True)
