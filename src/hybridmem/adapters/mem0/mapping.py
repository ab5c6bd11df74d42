"""Our facts as Mem0 memories and back, Mem0 filters, and Mem0 history as fact events.

A fact is one memory: its text is the memory, and the metadata carries every structured
field, so a memory maps back to an equal :class:`Fact`. Keys we add for our own
bookkeeping start with ``hm_``: ``hm_fact_id`` (our id: Mem0 chooses memory ids),
``hm_state`` (``current``/``closed``, a plain string Mem0's metadata equality filter
can match, since "``valid_to`` is null" cannot be expressed there) and ``hm_reason``
(why the last write happened, read back by the history).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact, FactSource, fact_document
from hybridmem.domain.retrieval import FactEvent, FactEventKind

log = logging.getLogger(__name__)

FACT_ID = "hm_fact_id"
STATE = "hm_state"
REASON = "hm_reason"
SCHEMA = "hm_schema"
SCHEMA_VERSION = 1
CURRENT = "current"
CLOSED = "closed"

JsonObject = dict[str, Any]


# --- facts ⇄ memories ----------------------------------------------------------------


def fact_metadata(fact: Fact, *, reason: str | None) -> JsonObject:
    """The metadata of the memory that stores ``fact``.

    Every key is always sent (None as null) so an update leaves nothing stale behind,
    whether Mem0 replaces or merges metadata.
    """
    return {
        FACT_ID: fact.fact_id,
        STATE: CURRENT if fact.is_current else CLOSED,
        "attribute": fact.attribute.value,
        "value": fact.value,
        "qualifier": fact.qualifier,
        "valid_from": fact.valid_from.isoformat(),
        "valid_to": fact.valid_to.isoformat() if fact.valid_to else None,
        "provenance": list(fact.provenance),
        "source": fact.source.value,
        "confidence": fact.confidence,
        "superseded_by": fact.superseded_by,
        REASON: reason,
        SCHEMA: SCHEMA_VERSION,
    }


def fact_id_of(memory: Mapping[str, Any]) -> str | None:
    """Our fact id stored on a memory; None for a memory hybridmem did not write."""
    metadata = memory.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get(FACT_ID), str):
        return str(metadata[FACT_ID])
    return None


def owned_by(memory: Mapping[str, Any], user_id: str) -> bool:
    """False when the memory names another user (some answers omit ``user_id``)."""
    owner = memory.get("user_id")
    return owner is None or owner == user_id


def _moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    return datetime.fromisoformat(value)


def _stamp(value: Any) -> datetime:
    """A timestamp Mem0 wrote; one without an offset is taken as UTC."""
    moment = _moment(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def fact_from_fields(fact_id: str, user_id: str, text: str, metadata: Mapping[str, Any]) -> Fact:
    """A fact from stored fields; ValueError/KeyError/TypeError/InvalidInput if malformed."""
    valid_to = metadata.get("valid_to")
    provenance = metadata.get("provenance") or ()
    if isinstance(provenance, str):
        raise ValueError("provenance must be a list")
    return Fact(
        fact_id=fact_id,
        user_id=user_id,
        attribute=Attribute(metadata["attribute"]),
        value=str(metadata["value"]),
        valid_from=_moment(metadata["valid_from"]),
        text=text,
        qualifier=_optional(metadata.get("qualifier")),
        valid_to=None if valid_to is None else _moment(valid_to),
        provenance=tuple(str(message_id) for message_id in provenance),
        source=FactSource(metadata.get("source", FactSource.MEM0.value)),
        confidence=float(metadata.get("confidence", 1.0)),
        superseded_by=_optional(metadata.get("superseded_by")),
    )


def memory_to_fact(memory: Mapping[str, Any], user_id: str) -> Fact | None:
    """The fact a memory stores, or None: not ours (no ``hm_fact_id``), another user's,
    or malformed (logged: one damaged memory must not break a whole listing)."""
    fact_id = fact_id_of(memory)
    if fact_id is None or not owned_by(memory, user_id):
        return None
    metadata = memory["metadata"]
    try:
        return fact_from_fields(fact_id, user_id, str(memory.get("memory") or ""), metadata)
    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
        log.warning("mem0 memory %s has malformed fact metadata: %s", memory.get("id"), exc)
        return None


def created_at(memory: Mapping[str, Any]) -> str:
    """The memory's creation stamp as sent (ISO strings sort in time order), or ""."""
    value = memory.get("created_at")
    return value if isinstance(value, str) else ""


# --- filters (v3 search and list) ------------------------------------------------------


def scope(user_id: str, *conditions: Mapping[str, Any]) -> JsonObject:
    """``{"AND": [{"user_id": …}, …]}``: the entity id always inside ``filters``."""
    return {"AND": [{"user_id": user_id}, *(dict(c) for c in conditions)]}


def metadata_is(key: str, value: str) -> JsonObject:
    """Metadata equality, Mem0's ``{"metadata": {key: value}}``."""
    return {"metadata": {key: value}}


def current_only() -> JsonObject:
    """Memories of facts that are still valid."""
    return metadata_is(STATE, CURRENT)


def any_attribute(attributes: Collection[Attribute]) -> JsonObject:
    """Facts of any of ``attributes`` (an ``OR`` only when there are several)."""
    conditions = [metadata_is("attribute", attribute.value) for attribute in attributes]
    return conditions[0] if len(conditions) == 1 else {"OR": conditions}


# --- history ---------------------------------------------------------------------------


def _entry_document(
    entry: Mapping[str, Any], fact_id: str, previous: JsonObject | None
) -> JsonObject:
    """The fact as an entry left it: from the entry's metadata when it carries our
    fields, else the previous state with the entry's new text."""
    text = entry.get("new_memory")
    metadata = entry.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get(FACT_ID) == fact_id:
        try:
            # Through Fact, so the document is validated and normalized like a read;
            # the document has no user, so any owner will do.
            return fact_document(fact_from_fields(fact_id, "-", str(text or ""), metadata))
        except (KeyError, TypeError, ValueError, InvalidInput):
            pass
    document = dict(previous or {})
    if isinstance(text, str):
        document["text"] = text
    return document


def _kind(event: str, old: JsonObject | None, new: JsonObject) -> FactEventKind:
    if event == "ADD":
        return FactEventKind.ADD
    # An update that ends the fact's validity is its invalidation (our CLOSE).
    if old is not None and old.get("valid_to") is None and new.get("valid_to") is not None:
        return FactEventKind.INVALIDATE
    return FactEventKind.UPDATE


def history_events(fact_id: str, entries: Iterable[Mapping[str, Any]]) -> list[FactEvent]:
    """Mem0 history entries (ADD / UPDATE / DELETE) as fact events, oldest first.

    ``old`` is the state before the entry (rebuilt from the previous entry), ``new`` the
    state after it; the reason is the ``hm_reason`` the write carried. A DELETE carries
    no metadata of its own, so it has no reason.
    """
    dated: list[tuple[datetime, int, Mapping[str, Any]]] = []
    for index, entry in enumerate(entries):
        try:
            dated.append((_stamp(entry.get("created_at")), index, entry))
        except ValueError:
            log.warning("mem0 history entry %s has no valid created_at", entry.get("id"))
    events: list[FactEvent] = []
    state: JsonObject | None = None
    for at, _, entry in sorted(dated, key=lambda item: (item[0], item[1])):
        event = str(entry.get("event", "")).upper()
        old = state
        if old is None and isinstance(entry.get("old_memory"), str) and event != "ADD":
            old = {"text": entry["old_memory"]}
        if event == "DELETE":
            events.append(FactEvent(fact_id, FactEventKind.DELETE, at, old, None, None))
            state = None
            continue
        if event not in ("ADD", "UPDATE"):
            continue
        new = _entry_document(entry, fact_id, old)
        metadata = entry.get("metadata")
        reason = metadata.get(REASON) if isinstance(metadata, Mapping) else None
        events.append(
            FactEvent(
                fact_id,
                _kind(event, old, new),
                at,
                None if event == "ADD" else old,
                new,
                reason if isinstance(reason, str) else None,
            )
        )
        state = new
    return events
