"""Reading an export document: structure, types, enums, times and references, each
refusal naming the path of the field at fault (``details.path``, e.g.
``messages[3].occurred_at``) with a ``details.rule``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from hybridmem.domain.accounts import ID_PATTERN, JsonObject
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.facts import FactSource
from hybridmem.domain.graph import EntityType, RelationType
from hybridmem.domain.messages import Role
from hybridmem.domain.moments import is_aware, is_representable
from hybridmem.domain.portability import (
    FORMAT,
    SCHEMA_VERSION,
    ArchiveDocument,
    EntityRecord,
    FactEventRecord,
    FactRecord,
    InvalidDocument,
    MessageRecord,
    ProfileRecord,
    RelationRecord,
    SessionRecord,
    UnsupportedSchemaVersion,
)
from hybridmem.domain.retrieval import FactEventKind

T = TypeVar("T")
#: Longest id of any kind (entity keys hold a normalized name).
MAX_KEY_LENGTH = 1024


def _refuse(path: str, message: str, rule: str) -> InvalidDocument:
    return InvalidDocument(f"{path}: {message}", details={"path": path, "rule": rule})


def _clean(text: str, path: str) -> str:
    # PostgreSQL text holds neither NUL nor (as UTF-8) a lone surrogate.
    if "\x00" in text:
        raise _refuse(path, "text may not contain NUL characters", "nul_character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse(path, "text may not contain lone surrogates", "lone_surrogate") from None
    return text


def _json_value(value: Any, path: str) -> Any:
    if isinstance(value, str):
        return _clean(value, path)
    if isinstance(value, float) and not math.isfinite(value):
        raise _refuse(path, "numbers must be finite", "non_finite")
    if isinstance(value, list):
        return [_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {_clean(k, path): _json_value(v, f"{path}.{k}") for k, v in value.items()}
    return value


class _Object:
    """One JSON object being read, with the path it sits at."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _refuse(path or "$", "must be an object", "type")
        self.value: Mapping[str, Any] = value
        self.path = path

    def _at(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _get(self, name: str, *, optional: bool) -> Any:
        if name not in self.value:
            if optional:
                return None
            raise _refuse(self._at(name), "is required", "missing")
        return self.value[name]

    def text(self, name: str, *, max_length: int | None = None) -> str:
        value = self._get(name, optional=False)
        if not isinstance(value, str):
            raise _refuse(self._at(name), "must be a string", "type")
        if max_length is not None and not 0 < len(value) <= max_length:
            raise _refuse(self._at(name), f"must have 1-{max_length} characters", "length")
        return _clean(value, self._at(name))

    def optional_text(self, name: str) -> str | None:
        value = self._get(name, optional=True)
        return None if value is None else self.text(name)

    def identifier(self, name: str) -> str:
        value = self.text(name)
        if not ID_PATTERN.fullmatch(value):
            raise _refuse(self._at(name), "is not a valid id", "id_format")
        return value

    def key(self, name: str) -> str:
        return self.text(name, max_length=MAX_KEY_LENGTH)

    def optional_key(self, name: str) -> str | None:
        value = self._get(name, optional=True)
        return None if value is None else self.key(name)

    def choice(self, name: str, enum: type[StrEnum]) -> str:
        value = self.text(name)
        if value not in {member.value for member in enum}:
            raise _refuse(self._at(name), f"unknown value {value[:50]!r}", "enum")
        return value

    def moment(self, name: str) -> datetime:
        value = self.text(name)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _refuse(self._at(name), "must be an ISO 8601 time", "time_format") from None
        if not is_aware(moment) or not is_representable(moment):
            raise _refuse(
                self._at(name), "must carry an offset and lie in years 1-9999 UTC", "time_range"
            )
        return moment

    def optional_moment(self, name: str) -> datetime | None:
        return None if self._get(name, optional=True) is None else self.moment(name)

    def mapping(self, name: str, *, optional: bool = False) -> JsonObject | None:
        value = self._get(name, optional=optional)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise _refuse(self._at(name), "must be an object", "type")
        cleaned: JsonObject = _json_value(value, self._at(name))
        return cleaned

    def metadata(self, name: str) -> JsonObject:
        value = self.mapping(name)
        assert value is not None
        return value

    def number(self, name: str) -> float:
        value = self._get(name, optional=False)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _refuse(self._at(name), "must be a number", "type")
        if not math.isfinite(value) or not 0 <= value <= 1:
            raise _refuse(self._at(name), "must be between 0 and 1", "range")
        return float(value)

    def texts(self, name: str) -> tuple[str, ...]:
        value = self._get(name, optional=False)
        if not isinstance(value, list):
            raise _refuse(self._at(name), "must be an array", "type")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise _refuse(f"{self._at(name)}[{i}]", "must be a non-empty string", "type")
            _clean(item, f"{self._at(name)}[{i}]")
        return tuple(value)

    def records(self, name: str, read: Callable[[_Object], T]) -> tuple[T, ...]:
        value = self._get(name, optional=False)
        if not isinstance(value, list):
            raise _refuse(self._at(name), "must be an array", "type")
        return tuple(read(_Object(item, f"{self._at(name)}[{i}]")) for i, item in enumerate(value))


def _profile(o: _Object) -> ProfileRecord:
    return ProfileRecord(
        user_id=o.identifier("user_id"),
        email=o.text("email"),
        first_name=o.optional_text("first_name"),
        last_name=o.optional_text("last_name"),
        about=o.optional_text("about"),
        metadata=o.metadata("metadata"),
        created_at=o.moment("created_at"),
        updated_at=o.moment("updated_at"),
    )


def _session(o: _Object) -> SessionRecord:
    return SessionRecord(
        session_id=o.identifier("session_id"),
        metadata=o.metadata("metadata"),
        created_at=o.moment("created_at"),
        updated_at=o.moment("updated_at"),
        deleted_at=o.optional_moment("deleted_at"),
    )


def _message(o: _Object) -> MessageRecord:
    return MessageRecord(
        message_id=o.identifier("message_id"),
        session_id=o.identifier("session_id"),
        role=o.choice("role", Role),
        name=o.optional_text("name"),
        content=o.text("content"),
        metadata=o.metadata("metadata"),
        occurred_at=o.moment("occurred_at"),
        created_at=o.moment("created_at"),
        deleted_at=o.optional_moment("deleted_at"),
    )


def _fact(o: _Object) -> FactRecord:
    fact = FactRecord(
        fact_id=o.key("fact_id"),
        attribute=o.choice("attribute", Attribute),
        value=o.text("value"),
        qualifier=o.optional_text("qualifier"),
        text=o.text("text"),
        valid_from=o.moment("valid_from"),
        valid_to=o.optional_moment("valid_to"),
        provenance=o.texts("provenance"),
        source=o.choice("source", FactSource),
        confidence=o.number("confidence"),
        superseded_by=o.optional_key("superseded_by"),
        created_at=o.moment("created_at"),
        updated_at=o.moment("updated_at"),
    )
    if fact.valid_to is not None and fact.valid_to < fact.valid_from:
        raise _refuse(f"{o.path}.valid_to", "precedes valid_from", "validity_order")
    return fact


def _fact_event(o: _Object) -> FactEventRecord:
    return FactEventRecord(
        fact_id=o.key("fact_id"),
        kind=o.choice("kind", FactEventKind),
        old=o.mapping("old", optional=True),
        new=o.mapping("new", optional=True),
        reason=o.optional_text("reason"),
        at=o.moment("at"),
    )


def _entity(o: _Object) -> EntityRecord:
    return EntityRecord(
        key=o.key("key"),
        name=o.text("name"),
        entity_type=o.choice("entity_type", EntityType),
        summary=o.optional_text("summary"),
        created_at=o.moment("created_at"),
    )


def _relation(o: _Object) -> RelationRecord:
    relation = RelationRecord(
        relation_id=o.key("relation_id"),
        source_key=o.key("source_key"),
        relation_type=o.choice("relation_type", RelationType),
        target_key=o.key("target_key"),
        fact=o.text("fact"),
        qualifier=o.optional_text("qualifier"),
        valid_at=o.moment("valid_at"),
        invalid_at=o.optional_moment("invalid_at"),
        invalidated_by=o.optional_key("invalidated_by"),
        episode_id=o.optional_key("episode_id"),
        created_at=o.moment("created_at"),
    )
    if relation.invalid_at is not None and relation.invalid_at < relation.valid_at:
        raise _refuse(f"{o.path}.invalid_at", "precedes valid_at", "validity_order")
    return relation


def _unique(records: tuple[T, ...], section: str, field: str, key: Callable[[T], str]) -> None:
    seen: set[str] = set()
    for i, record in enumerate(records):
        value = key(record)
        if value in seen:
            raise _refuse(f"{section}[{i}].{field}", f"duplicate {field}", "duplicate")
        seen.add(value)


def _check_references(document: ArchiveDocument) -> None:
    _unique(document.sessions, "sessions", "session_id", lambda s: s.session_id)
    _unique(document.messages, "messages", "message_id", lambda m: m.message_id)
    _unique(document.facts, "facts", "fact_id", lambda f: f.fact_id)
    _unique(document.entities, "entities", "key", lambda e: e.key)
    _unique(document.relations, "relations", "relation_id", lambda r: r.relation_id)
    sessions = {session.session_id for session in document.sessions}
    for i, message in enumerate(document.messages):
        if message.session_id not in sessions:
            raise _refuse(f"messages[{i}].session_id", "names no session", "unknown_reference")
    entities = {entity.key for entity in document.entities}
    for i, relation in enumerate(document.relations):
        for field in ("source_key", "target_key"):
            if getattr(relation, field) not in entities:
                raise _refuse(f"relations[{i}].{field}", "names no entity", "unknown_reference")


def parse_document(data: Any) -> ArchiveDocument:
    """Read a parsed JSON value as an export document, or raise ``InvalidDocument``
    (``UnsupportedSchemaVersion`` for another version) naming the bad field's path."""
    root = _Object(data, "")
    if root.value.get("format") != FORMAT:
        raise _refuse("format", f"must be {FORMAT!r}", "format")
    version = root.value.get("schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise UnsupportedSchemaVersion(
            f"schema_version {str(version)[:20]!r} is not supported (this server reads "
            f"{SCHEMA_VERSION})",
            details={"path": "schema_version", "rule": "version", "supported": [SCHEMA_VERSION]},
        )
    document = ArchiveDocument(
        profile=_profile(_Object(root.value.get("profile"), "profile")),
        exported_at=root.moment("exported_at"),
        sessions=root.records("sessions", _session),
        messages=root.records("messages", _message),
        facts=root.records("facts", _fact),
        fact_events=root.records("fact_events", _fact_event),
        entities=root.records("entities", _entity),
        relations=root.records("relations", _relation),
    )
    _check_references(document)
    return document
