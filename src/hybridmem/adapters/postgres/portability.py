"""``MemoryArchive`` on PostgreSQL: exports stream from one REPEATABLE READ, READ ONLY
snapshot through server-side cursors; imports apply in one transaction."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any

from psycopg.types.json import Jsonb

from hybridmem.adapters.postgres.database import Connection, Database
from hybridmem.adapters.postgres.outbox import enqueue_jobs
from hybridmem.adapters.postgres.vectors import VectorColumn
from hybridmem.domain.accounts import check_merged_metadata
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import NewJob
from hybridmem.domain.portability import (
    SECTIONS,
    ArchiveDocument,
    EntityRecord,
    FactEventRecord,
    FactRecord,
    ImportReport,
    MessageRecord,
    ProfileRecord,
    Record,
    RelationRecord,
    SessionRecord,
    check_owner,
    record_id,
)
from hybridmem.domain.text import normalize_value
from hybridmem.ports.embeddings import Embedder
from hybridmem.ports.portability import ArchiveItem

# One query per section, each in a stable order (see the port's contract). Messages
# follow the history order (seq); the rest their creation, ties broken by id.
_QUERIES: dict[str, str] = {
    "sessions": "SELECT session_id, metadata, created_at, updated_at, deleted_at FROM sessions "
    "WHERE user_id = %s ORDER BY created_at, session_id",
    "messages": "SELECT message_id, session_id, role, name, content, metadata, occurred_at, "
    "created_at, deleted_at FROM messages WHERE user_id = %s ORDER BY seq",
    "facts": "SELECT fact_id, attribute, value, qualifier, fact_text, valid_from, valid_to, "
    "provenance, source, confidence, superseded_by, created_at, updated_at FROM facts "
    "WHERE user_id = %s ORDER BY created_at, fact_id",
    "fact_events": "SELECT fact_id, kind, old, new, reason, at FROM fact_events "
    "WHERE user_id = %s ORDER BY event_id",
    "entities": "SELECT entity_key, name, entity_type, summary, created_at FROM entities "
    "WHERE user_id = %s ORDER BY created_at, entity_key",
    "relations": "SELECT relation_id, source_key, relation_type, target_key, fact_text, "
    "qualifier, valid_at, invalid_at, invalidated_by, episode_id, created_at FROM relations "
    "WHERE user_id = %s ORDER BY created_at, relation_id",
}


def _session(row: dict[str, Any]) -> SessionRecord:
    return SessionRecord(
        row["session_id"], row["metadata"], row["created_at"], row["updated_at"], row["deleted_at"]
    )


def _message(row: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        message_id=row["message_id"],
        session_id=row["session_id"],
        role=row["role"],
        name=row["name"],
        content=row["content"],
        metadata=row["metadata"],
        occurred_at=row["occurred_at"],
        created_at=row["created_at"],
        deleted_at=row["deleted_at"],
    )


def _fact(row: dict[str, Any]) -> FactRecord:
    return FactRecord(
        fact_id=row["fact_id"],
        attribute=row["attribute"],
        value=row["value"],
        qualifier=row["qualifier"],
        text=row["fact_text"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        provenance=tuple(row["provenance"]),
        source=row["source"],
        # real is float4: round-trip through its shortest decimal form, not float8 noise
        confidence=float(f"{row['confidence']:.7g}"),
        superseded_by=row["superseded_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _fact_event(row: dict[str, Any]) -> FactEventRecord:
    return FactEventRecord(
        row["fact_id"], row["kind"], row["old"], row["new"], row["reason"], row["at"]
    )


def _entity(row: dict[str, Any]) -> EntityRecord:
    return EntityRecord(
        row["entity_key"], row["name"], row["entity_type"], row["summary"], row["created_at"]
    )


def _relation(row: dict[str, Any]) -> RelationRecord:
    return RelationRecord(
        relation_id=row["relation_id"],
        source_key=row["source_key"],
        relation_type=row["relation_type"],
        target_key=row["target_key"],
        fact=row["fact_text"],
        qualifier=row["qualifier"],
        valid_at=row["valid_at"],
        invalid_at=row["invalid_at"],
        invalidated_by=row["invalidated_by"],
        episode_id=row["episode_id"],
        created_at=row["created_at"],
    )


_READERS: dict[str, Callable[[dict[str, Any]], Record]] = {
    "sessions": _session,
    "messages": _message,
    "facts": _fact,
    "fact_events": _fact_event,
    "entities": _entity,
    "relations": _relation,
}

# Inserts, one row each (executemany pipelines them); ON CONFLICT is the safety net for
# a concurrent writer, the ids already present were filtered out before.
_INSERTS: dict[str, str] = {
    "sessions": "INSERT INTO sessions (user_id, session_id, metadata, created_at, updated_at, "
    "deleted_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
    "messages": "INSERT INTO messages (user_id, session_id, message_id, role, name, content, "
    "metadata, occurred_at, created_at, deleted_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
    "facts": "INSERT INTO facts (user_id, fact_id, attribute, value, value_normalized, "
    "qualifier, fact_text, valid_from, valid_to, provenance, source, confidence, "
    "superseded_by, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
    "fact_events": "INSERT INTO fact_events (user_id, fact_id, kind, old, new, reason, at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
    "entities": "INSERT INTO entities (user_id, entity_key, name, entity_type, summary, "
    "created_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
    "relations": "INSERT INTO relations (user_id, relation_id, source_key, relation_type, "
    "target_key, fact_text, qualifier, valid_at, invalid_at, invalidated_by, episode_id, "
    "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
}

# The ids a user already has, per section (fact events: the facts with any history).
_PRESENT: dict[str, tuple[str, str]] = {
    "sessions": ("sessions", "session_id"),
    "messages": ("messages", "message_id"),
    "facts": ("facts", "fact_id"),
    "fact_events": ("fact_events", "fact_id"),
    "entities": ("entities", "entity_key"),
    "relations": ("relations", "relation_id"),
}


def _row(user_id: str, record: Record) -> tuple[Any, ...]:
    if isinstance(record, SessionRecord):
        return (
            user_id,
            record.session_id,
            Jsonb(record.metadata),
            record.created_at,
            record.updated_at,
            record.deleted_at,
        )
    if isinstance(record, MessageRecord):
        return (
            user_id,
            record.session_id,
            record.message_id,
            record.role,
            record.name,
            record.content,
            Jsonb(record.metadata),
            record.occurred_at,
            record.created_at,
            record.deleted_at,
        )
    if isinstance(record, FactRecord):
        return (
            user_id,
            record.fact_id,
            record.attribute,
            record.value,
            normalize_value(record.value),
            record.qualifier,
            record.text,
            record.valid_from,
            record.valid_to,
            list(record.provenance),
            record.source,
            record.confidence,
            record.superseded_by,
            record.created_at,
            record.updated_at,
        )
    if isinstance(record, FactEventRecord):
        return (
            user_id,
            record.fact_id,
            record.kind,
            Jsonb(record.old) if record.old is not None else None,
            Jsonb(record.new) if record.new is not None else None,
            record.reason,
            record.at,
        )
    if isinstance(record, EntityRecord):
        return (
            user_id,
            record.key,
            record.name,
            record.entity_type,
            record.summary,
            record.created_at,
        )
    assert isinstance(record, RelationRecord)
    return (
        user_id,
        record.relation_id,
        record.source_key,
        record.relation_type,
        record.target_key,
        record.fact,
        record.qualifier,
        record.valid_at,
        record.invalid_at,
        record.invalidated_by,
        record.episode_id,
        record.created_at,
    )


class PostgresMemoryArchive:
    """``MemoryArchive`` over the local tables; with an embedder and pgvector, imported
    facts get their vectors as written facts do (messages get theirs by index jobs)."""

    def __init__(self, database: Database, embedder: Embedder | None = None) -> None:
        self._db = database
        self._vectors = VectorColumn(database, embedder, "facts", required=False)

    async def export(
        self, user_id: str, *, page_size: int = 500
    ) -> AsyncGenerator[ArchiveItem, None]:
        """The profile, then every section, from one read-only snapshot."""
        async with self._db.connection() as conn, conn.transaction():
            # the first statement of the transaction: every section sees one snapshot
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor = await conn.execute(
                "SELECT user_id, email, first_name, last_name, about, metadata, created_at, "
                "updated_at FROM users WHERE user_id = %s",
                (user_id,),
            )
            row = await cursor.fetchone()
            if row is None:
                raise NotFound("user not found")
            yield ProfileRecord(**row)
            for section in SECTIONS:
                read = _READERS[section]
                # a server-side cursor: rows arrive page_size at a time
                async with conn.cursor(name=f"export_{section}") as rows:
                    rows.itersize = page_size
                    await rows.execute(_QUERIES[section], (user_id,))
                    async for found in rows:
                        yield section, read(found)

    async def restore(
        self,
        user_id: str,
        document: ArchiveDocument,
        *,
        original_owner: str,
        message_jobs: Mapping[str, Sequence[NewJob]],
        profile_jobs: Sequence[NewJob] = (),
    ) -> ImportReport:
        """Apply the document in one transaction (see the port's contract)."""
        vectors = await self._fact_vectors(document)
        added: dict[str, int] = {}
        present: dict[str, int] = {}
        async with self._db.transaction() as conn:
            # the lock fact writes take: no extraction job interleaves with the import
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('facts:' || %s))", (user_id,))
            await self._check_accounts(conn, user_id, original_owner)
            changed = await self._merge_profile(conn, user_id, document.profile)
            new_messages: list[str] = []
            for section in SECTIONS:
                records = document.section(section)
                existing = await self._present(conn, section, user_id, records)
                fresh = [r for r in records if record_id(r) not in existing]
                added[section] = len(fresh)
                present[section] = len(records) - len(fresh)
                if fresh:
                    async with conn.cursor() as cursor:
                        await cursor.executemany(
                            _INSERTS[section], [_row(user_id, record) for record in fresh]
                        )
                if section == "messages":
                    new_messages = [record_id(record) for record in fresh]
                if section == "facts" and vectors:
                    await self._store_vectors(conn, user_id, fresh, vectors)
            jobs = [job for message_id in new_messages for job in message_jobs.get(message_id, ())]
            jobs += profile_jobs if changed else ()
            enqueued = await enqueue_jobs(conn, jobs)
        return ImportReport(added=added, present=present, jobs=enqueued)

    @staticmethod
    async def _check_accounts(conn: Connection, user_id: str, original_owner: str) -> None:
        cursor = await conn.execute(
            "SELECT user_id FROM users WHERE user_id = ANY(%s) FOR SHARE",
            ([user_id, original_owner],),
        )
        found = {row["user_id"] for row in await cursor.fetchall()}
        if user_id not in found:
            raise NotFound("user not found")
        check_owner(original_owner, user_id, owner_exists=original_owner in found)

    @staticmethod
    async def _merge_profile(conn: Connection, user_id: str, profile: ProfileRecord) -> bool:
        cursor = await conn.execute(
            "SELECT first_name, last_name, about, metadata FROM users WHERE user_id = %s "
            "FOR UPDATE",
            (user_id,),
        )
        row = await cursor.fetchone()
        assert row is not None  # checked under the same transaction
        merged = {**row["metadata"], **profile.metadata}
        if merged != row["metadata"]:
            try:
                check_merged_metadata(merged)
            except InvalidInput as exc:
                raise InvalidInput(
                    exc.message, details={**(exc.details or {}), "path": "profile.metadata"}
                ) from None
        wanted = {
            "first_name": profile.first_name or row["first_name"],
            "last_name": profile.last_name or row["last_name"],
            "about": profile.about or row["about"],
            "metadata": merged,
        }
        if wanted == row:
            return False  # nothing changes: updated_at stays too (a second import is a no-op)
        await conn.execute(
            "UPDATE users SET first_name = %s, last_name = %s, about = %s, metadata = %s, "
            "updated_at = clock_timestamp() WHERE user_id = %s",
            (wanted["first_name"], wanted["last_name"], wanted["about"], Jsonb(merged), user_id),
        )
        return True

    @staticmethod
    async def _present(
        conn: Connection, section: str, user_id: str, records: Sequence[Record]
    ) -> set[str]:
        if not records:
            return set()
        table, column = _PRESENT[section]
        cursor = await conn.execute(
            # table and column come from _PRESENT, never from input
            f"SELECT DISTINCT {column} AS id FROM {table} "
            f"WHERE user_id = %s AND {column} = ANY(%s)",
            (user_id, list({record_id(record) for record in records})),
        )
        return {row["id"] for row in await cursor.fetchall()}

    async def _fact_vectors(self, document: ArchiveDocument) -> dict[str, str]:
        if not document.facts or not await self._vectors.ready():
            return {}
        embedded = await self._vectors.embed([fact.text for fact in document.facts])
        return {fact.fact_id: vector for fact, vector in zip(document.facts, embedded, strict=True)}

    @staticmethod
    async def _store_vectors(
        conn: Connection, user_id: str, facts: Sequence[Record], vectors: Mapping[str, str]
    ) -> None:
        async with conn.cursor() as cursor:
            await cursor.executemany(
                "UPDATE facts SET embedding = %s::vector WHERE user_id = %s AND fact_id = %s",
                [(vectors[record_id(f)], user_id, record_id(f)) for f in facts],
            )
