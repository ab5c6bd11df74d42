"""Zep v4 JSON ⇄ domain types (pure: no I/O).

Shapes, from the v4 SDK models and reference (``help.getzep.com/sdk-reference``):
- Message: ``uuid, role, name, content, metadata, reference_time, created_at, processed``.
- Edge: ``uuid, name`` (UPPER_SNAKE), ``fact, valid_at, invalid_at, expired_at,
  created_at, episode_uuids, source_node_uuid/_name/_labels,
  target_node_uuid/_name/_labels, scope`` (entity | episodic), and on search results
  ``score`` (every result) and ``relevance`` (cross-encoder only).
- Node: ``uuid, name, labels, summary, attributes, created_at``.
- Task (202 answers): ``uuid, status`` (pending | processing | succeeded | partial |
  failed), ``error``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from hybridmem.domain.graph import Entity, EntityType, Relation, RelationType
from hybridmem.domain.messages import Message, NewMessage, Role

log = logging.getLogger(__name__)

Json = dict[str, Any]

#: Where our message and session ids travel in a Zep message's metadata: Zep assigns its
#: own uuids, and a v4 thread has no id of ours.
MESSAGE_ID_KEY = "hybridmem_message_id"
SESSION_ID_KEY = "hybridmem_session_id"
_OUR_KEYS = (MESSAGE_ID_KEY, SESSION_ID_KEY)

#: Only relations not yet invalidated: the filter exactly as the v4 SDK sends it.
VALID_NOW_FILTER: Json = {
    "date_filters": {"any_of": [{"all_of": [{"field": "invalid_at", "operator": "is_null"}]}]}
}

ZEP_ROLES = frozenset({"norole", "system", "assistant", "user", "function", "tool"})
_ROLES = frozenset(role.value for role in Role)

# Zep names edges freely (its extractor, or a custom ontology); the usual spellings of
# our relation types map onto them, the rest stays generic.
_RELATION_ALIASES: MappingProxyType[str, RelationType] = MappingProxyType(
    {
        "LIVES_AT": RelationType.LIVES_IN,
        "RESIDES_IN": RelationType.LIVES_IN,
        "MOVED_TO": RelationType.LIVES_IN,
        "IS_NAMED": RelationType.HAS_NAME,
        "COMES_FROM": RelationType.IS_FROM,
        "WORKS_FOR": RelationType.WORKS_AT,
        "EMPLOYED_BY": RelationType.WORKS_AT,
        "EMPLOYED_AT": RelationType.WORKS_AT,
        "WORKS_AS_A": RelationType.WORKS_AS,
        "HAS_OCCUPATION": RelationType.WORKS_AS,
        "STUDIES_AT": RelationType.STUDIED_AT,
        "ATTENDED": RelationType.STUDIED_AT,
        "OWNS_PET": RelationType.HAS_PET,
        "LIKE": RelationType.LIKES,
        "ENJOYS": RelationType.LIKES,
        "LOVES": RelationType.LIKES,
        "DISLIKE": RelationType.DISLIKES,
        "HATES": RelationType.DISLIKES,
        "IS_ALLERGIC_TO": RelationType.ALLERGIC_TO,
        "HAS_ALLERGY": RelationType.ALLERGIC_TO,
        "SPEAKS_LANGUAGE": RelationType.SPEAKS,
        "RELATES_TO": RelationType.RELATED_TO,
    }
)
_RELATION_VALUES = frozenset(item.value for item in RelationType)

# Labels of Zep's default ontology (User, Location, Organization, …) and common custom
# ones, to our entity types; the generic "Entity" label says nothing.
_ENTITY_LABELS: MappingProxyType[str, EntityType] = MappingProxyType(
    {
        "user": EntityType.USER,
        "person": EntityType.PERSON,
        "pet": EntityType.PET,
        "animal": EntityType.PET,
        "location": EntityType.PLACE,
        "place": EntityType.PLACE,
        "city": EntityType.PLACE,
        "country": EntityType.PLACE,
        "organization": EntityType.ORGANISATION,
        "organisation": EntityType.ORGANISATION,
        "company": EntityType.ORGANISATION,
    }
)


def rfc3339(moment: datetime) -> str:
    """``2025-01-02T03:04:05Z``: UTC with a Z, as the SDK sends ``reference_time``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    """An aware datetime from Zep's RFC 3339 text (None when absent or unreadable)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Go services send up to nine fractional digits; Python reads at most six.
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        log.warning("zep sent an unreadable timestamp: %r", value)
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def message_payload(message: NewMessage, *, session_id: str) -> Json:
    """One ``AddMessage``: our ids ride in the metadata so reads can return them."""
    payload: Json = {
        "content": message.content,
        "metadata": {
            **message.metadata,
            MESSAGE_ID_KEY: message.message_id,
            SESSION_ID_KEY: session_id,
        },
        "role": message.role.value,
    }
    if message.name:
        payload["name"] = message.name
    if message.occurred_at is not None:
        payload["reference_time"] = rfc3339(message.occurred_at)
    return payload


def stored_message_id(item: Json) -> str | None:
    """Our id of a Zep message (None for a message written by someone else)."""
    return _ours(item, MESSAGE_ID_KEY)


def stored_session_id(item: Json) -> str | None:
    """Our session id of a Zep message or message episode, when we wrote it."""
    return _ours(item, SESSION_ID_KEY)


def _ours(item: Json, key: str) -> str | None:
    metadata = item.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get(key), str):
        return str(metadata[key])
    return None


def to_message(item: Json, *, user_id: str, session_id: str, received_at: datetime) -> Message:
    """A Zep message as ours: our id when we set it (else Zep's uuid); ``occurred_at`` is
    the reference time (else when Zep received it)."""
    metadata = item.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    message_id = metadata.pop(MESSAGE_ID_KEY, None) or str(item.get("uuid") or "")
    metadata.pop(SESSION_ID_KEY, None)
    created_at = parse_time(item.get("created_at")) or received_at
    name = item.get("name")
    return Message(
        message_id=str(message_id),
        user_id=user_id,
        session_id=session_id,
        role=_role(item.get("role"), item.get("role_type")),
        content=str(item.get("content") or ""),
        name=name if isinstance(name, str) and name else None,
        occurred_at=(
            parse_time(item.get("reference_time")) or parse_time(item.get("valid_at")) or created_at
        ),
        created_at=created_at,
        metadata=metadata,
    )


def sent_message(
    message: NewMessage, *, user_id: str, session_id: str, received_at: datetime
) -> Message:
    """What we sent, as stored, when Zep's answer does not echo the message."""
    return Message(
        message_id=message.message_id,
        user_id=user_id,
        session_id=session_id,
        role=message.role,
        content=message.content,
        name=message.name,
        occurred_at=message.occurred_at or received_at,
        created_at=received_at,
        metadata=dict(message.metadata),
    )


def _role(*candidates: Any) -> Role:
    # Messages carry ``role``; episodes may carry a free-form role and a ``role_type``.
    for value in candidates:
        if isinstance(value, str) and value in _ROLES:
            return Role(value)
        if value == "function":
            return Role.TOOL
    return Role.SYSTEM  # "norole" and anything newer: not a participant of the chat


def log_task(body: Json, *, what: str) -> None:
    """Note the asynchronous task a 202 answer carries; extraction continues at Zep."""
    task = body.get("task")
    if not isinstance(task, dict):
        return
    status = task.get("status")
    if status == "failed":
        # Replaying the same idempotency key would replay this failure, so retrying
        # cannot help; the data itself was stored.
        log.warning(
            "zep accepted %s but its processing task %s failed: %s",
            what,
            task.get("uuid"),
            task.get("error"),
        )
    else:
        log.debug("zep task %s for %s is %s", task.get("uuid"), what, status)


def relation_type_for(edge_name: Any) -> RelationType:
    """``LIVES_IN`` → ``lives_in``; unknown names are ``related_to``."""
    if not isinstance(edge_name, str):
        return RelationType.RELATED_TO
    name = edge_name.strip().upper().replace(" ", "_").replace("-", "_")
    if name.lower() in _RELATION_VALUES:
        return RelationType(name.lower())
    return _RELATION_ALIASES.get(name, RelationType.RELATED_TO)


def entity_type_for(labels: Any) -> EntityType:
    """Our entity type from a node's labels (``["Entity", "Location"]`` → place)."""
    if isinstance(labels, list):
        for label in labels:
            if isinstance(label, str) and label.lower() in _ENTITY_LABELS:
                return _ENTITY_LABELS[label.lower()]
    return EntityType.OTHER


def is_entity_edge(edge: Json) -> bool:
    """Facts between entities (episodic edges only link episodes to what they mention)."""
    return edge.get("scope") in (None, "entity")


def to_relation(edge: Json, *, user_id: str) -> Relation | None:
    """A Zep edge as a relation; None when it cannot be placed in time or has no ends."""
    relation_id = edge.get("uuid")
    source = edge.get("source_node_uuid") or edge.get("source_node_name")
    target = edge.get("target_node_uuid") or edge.get("target_node_name")
    valid_at = parse_time(edge.get("valid_at")) or parse_time(edge.get("created_at"))
    if not relation_id or not source or not target or valid_at is None:
        log.debug("skipping a zep edge without id, ends or time: %r", relation_id)
        return None
    invalid_at = parse_time(edge.get("invalid_at"))
    if invalid_at is not None and invalid_at < valid_at:
        # Zep can date a fact's end before its (defaulted) start; we keep the interval
        # well-formed, as the local graph does for late invalidations.
        invalid_at = valid_at
    episodes = edge.get("episode_uuids")
    episode_id = episodes[0] if isinstance(episodes, list) and episodes else None
    return Relation(
        relation_id=str(relation_id),
        user_id=user_id,
        source_key=str(source),
        relation_type=relation_type_for(edge.get("name")),
        target_key=str(target),
        fact=str(edge.get("fact") or ""),
        valid_at=valid_at,
        invalid_at=invalid_at,
        episode_id=str(episode_id) if episode_id else None,
    )


def edge_target(edge: Json, *, user_id: str) -> Entity | None:
    """The target entity as the edge describes it (Zep reads the node's current name
    and labels into search results), None when the edge does not say."""
    key = edge.get("target_node_uuid")
    name = edge.get("target_node_name")
    if not key or not isinstance(name, str) or not name:
        return None
    return Entity(
        user_id=user_id,
        key=str(key),
        name=name,
        entity_type=entity_type_for(edge.get("target_node_labels")),
    )


def to_entity(node: Json, *, user_id: str) -> Entity | None:
    """A Zep node as an entity (None without a uuid)."""
    key = node.get("uuid")
    if not key:
        return None
    summary = node.get("summary")
    return Entity(
        user_id=user_id,
        key=str(key),
        name=str(node.get("name") or key),
        entity_type=entity_type_for(node.get("labels")),
        summary=summary if isinstance(summary, str) and summary else None,
    )


def result_score(result: Json, rank: int) -> float:
    """A search result's score (else its cross-encoder relevance), else one by rank."""
    for field in ("score", "relevance"):
        value = result.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return round(1.0 / (rank + 1), 6)
