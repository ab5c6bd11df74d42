"""An import is one transaction: a failure in its last section leaves nothing of it."""

from __future__ import annotations

import psycopg
import pytest

from hybridmem.adapters.postgres.accounts import PostgresUsers
from hybridmem.adapters.postgres.portability import PostgresMemoryArchive
from hybridmem.domain.jobs import JobKind, MessageJob
from hybridmem.domain.messages import NewMessage, Role
from hybridmem.domain.portability import rehome
from tests.support.portability_samples import sample_document


async def count(database, table: str) -> int:
    async with database.connection() as conn:
        row = await (await conn.execute(f"SELECT count(*) AS n FROM {table}")).fetchone()
    return int(row["n"])


async def test_a_failure_in_the_last_section_applies_nothing(database):
    users = PostgresUsers(database)
    await users.ensure("u")
    document = rehome(sample_document("gone"), "u")
    jobs = {
        m.message_id: [
            MessageJob(
                m.session_id,
                NewMessage(m.message_id, Role(m.role), m.content, occurred_at=m.occurred_at),
            ).job(JobKind.INDEX, "u")
        ]
        for m in document.messages
    }
    async with database.connection() as conn:
        # a fault in the database itself, on the document's last relation
        await conn.execute(
            """
            CREATE FUNCTION refuse_relation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.relation_id = 'rel:f2' THEN RAISE EXCEPTION 'refused by test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_relation BEFORE INSERT ON relations
                FOR EACH ROW EXECUTE FUNCTION refuse_relation();
            """
        )
    try:
        with pytest.raises(psycopg.Error):
            await PostgresMemoryArchive(database).restore(
                "u", document, original_owner="gone", message_jobs=jobs
            )
    finally:
        async with database.connection() as conn:
            await conn.execute(
                "DROP TRIGGER refuse_relation ON relations; DROP FUNCTION refuse_relation()"
            )
    for table in ("sessions", "messages", "facts", "fact_events", "entities", "relations", "jobs"):
        assert await count(database, table) == 0, table
    assert (await users.get("u")).first_name is None
    assert await count(database, "message_terms") == 0
