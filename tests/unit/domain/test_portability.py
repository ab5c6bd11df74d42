"""The export document: JSON form, validation with the path of every bad field, the
deterministic move to another account, and the owner rule."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from hybridmem.domain.portability import (
    ForeignAccount,
    InvalidDocument,
    UnsupportedSchemaVersion,
    check_owner,
    rehome,
)
from hybridmem.domain.portability_parsing import parse_document
from tests.support.portability_samples import sample_document


def sample_json() -> dict[str, Any]:
    return json.loads(json.dumps(sample_document("u1").to_json()))


def test_a_document_reads_back_as_written():
    document = sample_document("u1")
    assert parse_document(sample_json()) == document


def test_every_section_and_the_header_are_written():
    body = sample_json()
    assert list(body) == [
        "format",
        "schema_version",
        "exported_at",
        "profile",
        "sessions",
        "messages",
        "facts",
        "fact_events",
        "entities",
        "relations",
    ]
    assert "password_hash" not in body["profile"]
    assert body["facts"][0]["valid_to"] == "2024-03-01T10:00:15.123456+00:00"


def _set(body: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "where", "rule"),
    [
        (["format"], "other", "format", "format"),
        (["exported_at"], "2024-01-01T00:00:00", "exported_at", "time_range"),
        (["profile"], None, "profile", "type"),
        (["profile", "user_id"], "no spaces allowed", "profile.user_id", "id_format"),
        (["profile", "metadata"], [], "profile.metadata", "type"),
        (["profile", "metadata"], {"x": float("nan")}, "profile.metadata.x", "non_finite"),
        (["sessions"], KeyError, "sessions", "missing"),
        (["sessions", 0, "deleted_at"], "soon", "sessions[0].deleted_at", "time_format"),
        (["messages", 1, "role"], "robot", "messages[1].role", "enum"),
        (["messages", 1, "content"], "a\x00b", "messages[1].content", "nul_character"),
        (["messages", 1, "content"], "\ud800", "messages[1].content", "lone_surrogate"),
        (["messages", 2, "session_id"], "s9", "messages[2].session_id", "unknown_reference"),
        (["messages", 3, "message_id"], "m1", "messages[3].message_id", "duplicate"),
        (["facts", 0, "confidence"], 2, "facts[0].confidence", "range"),
        (["facts", 0, "confidence"], True, "facts[0].confidence", "type"),
        (["facts", 0, "attribute"], "shoe_size", "facts[0].attribute", "enum"),
        (["facts", 0, "provenance"], ["m1", ""], "facts[0].provenance[1]", "type"),
        (
            ["facts", 0, "valid_to"],
            "2000-01-01T00:00:00+00:00",
            "facts[0].valid_to",
            "validity_order",
        ),
        (["facts", 1, "fact_id"], "", "facts[1].fact_id", "length"),
        (["fact_events", 0, "kind"], "MERGE", "fact_events[0].kind", "enum"),
        (["fact_events", 0, "new"], "text", "fact_events[0].new", "type"),
        (["entities", 0, "entity_type"], "planet", "entities[0].entity_type", "enum"),
        (
            ["relations", 0, "target_key"],
            "place:paris",
            "relations[0].target_key",
            "unknown_reference",
        ),
        (["relations", 1], 7, "relations[1]", "type"),
    ],
)
def test_a_bad_field_is_named_by_its_path(path, value, where, rule):
    with pytest.raises(InvalidDocument) as refused:
        parse_document(_set(sample_json(), path, value))
    assert refused.value.code == "invalid_export_document"
    assert refused.value.details == {"path": where, "rule": rule}


@pytest.mark.parametrize("version", [2, 0, "1", True, None])
def test_other_schema_versions_are_refused(version):
    with pytest.raises(UnsupportedSchemaVersion) as refused:
        parse_document({**sample_json(), "schema_version": version})
    assert refused.value.code == "unsupported_schema_version"
    assert refused.value.details["path"] == "schema_version"
    assert refused.value.details["supported"] == [1]


def test_not_an_object():
    with pytest.raises(InvalidDocument) as refused:
        parse_document([])
    assert refused.value.details == {"path": "$", "rule": "type"}


def test_rehome_moves_only_the_owners_own_ids():
    document = sample_document("old")
    moved = rehome(document, "new")
    assert moved.owner == "new"
    assert [e.key for e in moved.entities] == ["user:new", "place:delhi", "place:mumbai"]
    assert moved.entities[0].name == "new"
    assert {r.source_key for r in moved.relations} == {"user:new"}
    assert moved.messages == document.messages
    assert moved.facts == document.facts
    assert moved.fact_events == document.fact_events
    assert rehome(moved, "new") is moved
    assert rehome(document, "new") == moved  # deterministic


def test_an_entity_named_like_another_user_is_kept():
    document = sample_document("old")
    other = document.entities[1].__class__(
        "user:someone", "someone", "user", None, document.exported_at
    )
    moved = rehome(
        document.__class__(**{**_fields(document), "entities": (*document.entities, other)}), "new"
    )
    assert moved.entities[-1].key == "user:someone"


def _fields(document: Any) -> dict[str, Any]:
    return {name: getattr(document, name) for name in document.__dataclass_fields__}


def test_owner_rule():
    check_owner("me", "me", owner_exists=True)
    check_owner("deleted", "me", owner_exists=False)
    with pytest.raises(ForeignAccount) as refused:
        check_owner("someone", "me", owner_exists=True)
    assert refused.value.code == "foreign_account"
    assert refused.value.details == {"path": "profile.user_id", "rule": "foreign_account"}
