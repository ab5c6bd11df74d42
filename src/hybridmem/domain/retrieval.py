"""What memory stores return: scored facts and relations, fact history, graph views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import Entity, Relation, RelationType
from hybridmem.domain.messages import Message


@dataclass(frozen=True, slots=True)
class FactQuery:
    """A fact search: free text, optionally steered to attributes by the router."""

    text: str
    limit: int = 10
    attributes: tuple[Attribute, ...] = ()
    include_invalidated: bool = False


@dataclass(frozen=True, slots=True)
class ScoredFact:
    """A fact and how well it answers the query (higher is better)."""

    fact: Fact
    score: float


@dataclass(frozen=True, slots=True)
class RelationQuery:
    """A graph search: text, relation types, and the time it is asked about."""

    text: str
    limit: int = 10
    relation_types: tuple[RelationType, ...] = ()
    include_invalidated: bool = False
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class ScoredRelation:
    """A relation, its target entity and its score."""

    relation: Relation
    target: Entity
    score: float


@dataclass(frozen=True, slots=True)
class ScoredMessage:
    """A message and how well it matches a query."""

    message: Message
    score: float


@dataclass(frozen=True, slots=True)
class GraphView:
    """A user's graph as of a time (or now)."""

    entities: tuple[Entity, ...]
    relations: tuple[Relation, ...]


class FactEventKind(StrEnum):
    """What happened to a fact."""

    ADD = "ADD"
    UPDATE = "UPDATE"
    INVALIDATE = "INVALIDATE"
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class FactEvent:
    """One entry of a fact's history."""

    fact_id: str
    kind: FactEventKind
    at: datetime
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str | None = None
