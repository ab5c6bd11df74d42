"""The export document: one user's memory as versioned JSON (data portability).

Pure records and rules: the JSON form of every record (``to_json``), the deterministic
id mapping that moves a document to another account (``rehome``), and the errors an
import can end with. Parsing and validation live in ``domain/portability_parsing.py``.
The format is documented field by field in docs/export-format.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from hybridmem.domain.accounts import JsonObject
from hybridmem.domain.errors import Forbidden, InvalidInput

#: ``format`` of every export document.
FORMAT = "hybridmem.export"
#: The schema version this code writes and the only one it reads.
SCHEMA_VERSION = 1
#: Sections of the document after the header, in the order they are written.
SECTIONS = ("sessions", "messages", "facts", "fact_events", "entities", "relations")
#: The user's own node in their graph is keyed by their user id (domain/graph.user_entity).
USER_ENTITY_PREFIX = "user:"


class InvalidDocument(InvalidInput):
    """The document is malformed; ``details.path`` names the field at fault."""

    code = "invalid_export_document"


class UnsupportedSchemaVersion(InvalidDocument):
    """The document was written in a schema version this code does not read."""

    code = "unsupported_schema_version"


class ForeignAccount(Forbidden):
    """The document belongs to another existing account."""

    code = "foreign_account"


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True, slots=True)
class ProfileRecord:
    """The account as exported: never its password hash, tokens' binding or admin flag."""

    user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    about: str | None
    metadata: JsonObject
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "user_id": self.user_id,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "about": self.about,
            "metadata": self.metadata,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A chat session (soft-deleted ones too: ``deleted_at`` set)."""

    session_id: str
    metadata: JsonObject
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "session_id": self.session_id,
            "metadata": self.metadata,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
            "deleted_at": _time(self.deleted_at),
        }


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message, in the order the user's history holds them."""

    message_id: str
    session_id: str
    role: str
    name: str | None
    content: str
    metadata: JsonObject
    occurred_at: datetime
    created_at: datetime
    deleted_at: datetime | None

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "message_id": self.message_id,
            "session_id": self.session_id,
            "role": self.role,
            "name": self.name,
            "content": self.content,
            "metadata": self.metadata,
            "occurred_at": _time(self.occurred_at),
            "created_at": _time(self.created_at),
            "deleted_at": _time(self.deleted_at),
        }


@dataclass(frozen=True, slots=True)
class FactRecord:
    """A fact, current (``valid_to`` null) or closed; ``provenance`` holds message ids."""

    fact_id: str
    attribute: str
    value: str
    qualifier: str | None
    text: str
    valid_from: datetime
    valid_to: datetime | None
    provenance: tuple[str, ...]
    source: str
    confidence: float
    superseded_by: str | None
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "fact_id": self.fact_id,
            "attribute": self.attribute,
            "value": self.value,
            "qualifier": self.qualifier,
            "text": self.text,
            "valid_from": _time(self.valid_from),
            "valid_to": _time(self.valid_to),
            "provenance": list(self.provenance),
            "source": self.source,
            "confidence": self.confidence,
            "superseded_by": self.superseded_by,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class FactEventRecord:
    """One change in a fact's history (also of facts deleted since), oldest first."""

    fact_id: str
    kind: str
    old: JsonObject | None
    new: JsonObject | None
    reason: str | None
    at: datetime

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "fact_id": self.fact_id,
            "kind": self.kind,
            "old": self.old,
            "new": self.new,
            "reason": self.reason,
            "at": _time(self.at),
        }


@dataclass(frozen=True, slots=True)
class EntityRecord:
    """A node of the user's graph."""

    key: str
    name: str
    entity_type: str
    summary: str | None
    created_at: datetime

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "key": self.key,
            "name": self.name,
            "entity_type": self.entity_type,
            "summary": self.summary,
            "created_at": _time(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class RelationRecord:
    """An edge of the graph, valid over ``[valid_at, invalid_at)``."""

    relation_id: str
    source_key: str
    relation_type: str
    target_key: str
    fact: str
    qualifier: str | None
    valid_at: datetime
    invalid_at: datetime | None
    invalidated_by: str | None
    episode_id: str | None
    created_at: datetime

    def to_json(self) -> JsonObject:
        """The record's JSON object."""
        return {
            "relation_id": self.relation_id,
            "source_key": self.source_key,
            "relation_type": self.relation_type,
            "target_key": self.target_key,
            "fact": self.fact,
            "qualifier": self.qualifier,
            "valid_at": _time(self.valid_at),
            "invalid_at": _time(self.invalid_at),
            "invalidated_by": self.invalidated_by,
            "episode_id": self.episode_id,
            "created_at": _time(self.created_at),
        }


Record = (
    SessionRecord | MessageRecord | FactRecord | FactEventRecord | EntityRecord | RelationRecord
)


def record_id(record: Record) -> str:
    """The id a record is known by within its user's data (a fact event: its fact's)."""
    if isinstance(record, SessionRecord):
        return record.session_id
    if isinstance(record, MessageRecord):
        return record.message_id
    if isinstance(record, FactRecord | FactEventRecord):
        return record.fact_id
    if isinstance(record, EntityRecord):
        return record.key
    return record.relation_id


@dataclass(frozen=True, slots=True)
class ArchiveDocument:
    """A whole export: the owner's profile and every section."""

    profile: ProfileRecord
    exported_at: datetime
    sessions: tuple[SessionRecord, ...] = ()
    messages: tuple[MessageRecord, ...] = ()
    facts: tuple[FactRecord, ...] = ()
    fact_events: tuple[FactEventRecord, ...] = ()
    entities: tuple[EntityRecord, ...] = ()
    relations: tuple[RelationRecord, ...] = ()

    @property
    def owner(self) -> str:
        """The user id the document was exported from."""
        return self.profile.user_id

    def section(self, name: str) -> tuple[Record, ...]:
        """The records of one section, by its name in :data:`SECTIONS`."""
        records: tuple[Record, ...] = getattr(self, name)
        return records

    def to_json(self) -> JsonObject:
        """The whole document as one JSON object (tests and small documents; the export
        route writes the same shape in chunks, see :func:`document_header`)."""
        body = document_header(self.profile, self.exported_at)
        for name in SECTIONS:
            body[name] = [record.to_json() for record in self.section(name)]
        return body


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: per section, records added and records already present."""

    added: Mapping[str, int]
    present: Mapping[str, int]
    jobs: int = 0

    def to_json(self) -> JsonObject:
        """The report's JSON object."""
        return {"added": dict(self.added), "present": dict(self.present), "jobs": self.jobs}


def document_header(profile: ProfileRecord, exported_at: datetime) -> JsonObject:
    """The fields before the sections: format, schema version, time, profile."""
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": exported_at.isoformat(),
        "profile": profile.to_json(),
    }


def _rekey(key: str, old_user: str, new_user: str) -> str:
    return USER_ENTITY_PREFIX + new_user if key == USER_ENTITY_PREFIX + old_user else key


def rehome(document: ArchiveDocument, user_id: str) -> ArchiveDocument:
    """The document as it belongs to ``user_id``: every id is kept (they are scoped per
    user) except the owner's own, which becomes ``user_id`` — in the profile and in the
    user's graph node (``user:<id>``, named by the id). Deterministic, so importing the
    same document twice maps it the same way."""
    old = document.owner
    if old == user_id:
        return document
    entities = tuple(
        replace(entity, key=_rekey(entity.key, old, user_id), name=user_id)
        if entity.key == USER_ENTITY_PREFIX + old
        else entity
        for entity in document.entities
    )
    relations = tuple(
        replace(
            relation,
            source_key=_rekey(relation.source_key, old, user_id),
            target_key=_rekey(relation.target_key, old, user_id),
        )
        for relation in document.relations
    )
    return replace(
        document,
        profile=replace(document.profile, user_id=user_id),
        entities=entities,
        relations=relations,
    )


def check_owner(original_owner: str, user_id: str, *, owner_exists: bool) -> None:
    """Refuse a document exported from another account that still exists
    (``ForeignAccount``).

    A document of the caller's own account, or of an account deleted since (the round
    trip: export, delete, sign up again, import), may be imported."""
    if original_owner != user_id and owner_exists:
        raise ForeignAccount(
            "this export belongs to another existing account",
            details={"path": "profile.user_id", "rule": "foreign_account"},
        )
