"""The outbox in PostgreSQL: ``FOR UPDATE SKIP LOCKED`` claims with leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from hybridmem.adapters.postgres.database import Connection, Database
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.domain.jobs import Job, JobStatus, NewJob
from hybridmem.ports.health import Health

_JOB_COLUMNS = (
    "job_id, kind, user_id, idempotency_key, payload, status, attempts, last_error, "
    "created_at, run_after"
)
_MAX_ERROR_LENGTH = 2000


def _job(row: dict[str, Any]) -> Job:
    return Job(
        job_id=row["job_id"],
        kind=row["kind"],
        user_id=row["user_id"],
        idempotency_key=row["idempotency_key"],
        payload=row["payload"],
        status=JobStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        run_after=row["run_after"],
    )


async def enqueue_jobs(conn: Connection, jobs: Sequence[NewJob]) -> int:
    """Insert jobs on an open connection (so callers can share their transaction)."""
    created = 0
    for job in jobs:
        cursor = await conn.execute(
            "INSERT INTO jobs (user_id, kind, idempotency_key, payload) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (idempotency_key) DO NOTHING",
            (job.user_id, job.kind, job.idempotency_key, Jsonb(job.payload)),
        )
        created += cursor.rowcount
    return created


class PostgresOutbox:
    """Jobs table with per-user FIFO per kind and leased claims."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def enqueue(self, jobs: Sequence[NewJob]) -> int:
        """Add jobs (idempotent by key)."""
        async with self._db.transaction() as conn:
            return await enqueue_jobs(conn, jobs)

    async def claim(self, *, limit: int, lease: timedelta) -> list[Job]:
        """Claim ready jobs; an expired lease makes a running job ready again."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"""
                WITH ready AS (
                    SELECT job_id FROM jobs AS candidate
                     WHERE ((candidate.status = 'pending' AND candidate.run_after <= now())
                            OR (candidate.status = 'running'
                                AND candidate.locked_until < clock_timestamp()))
                       AND NOT EXISTS (
                           SELECT 1 FROM jobs AS earlier
                            WHERE earlier.user_id = candidate.user_id
                              AND earlier.kind = candidate.kind
                              AND earlier.job_id < candidate.job_id
                              AND earlier.status IN ('pending', 'running'))
                     ORDER BY candidate.job_id
                     LIMIT %s
                     FOR UPDATE SKIP LOCKED
                )
                UPDATE jobs
                   SET status = 'running',
                       attempts = jobs.attempts + 1,
                       locked_until = clock_timestamp() + %s,
                       updated_at = clock_timestamp()
                  FROM ready
                 WHERE jobs.job_id = ready.job_id
                RETURNING {", ".join("jobs." + c.strip() for c in _JOB_COLUMNS.split(","))}
                """,
                (limit, lease),
            )
            rows = await cursor.fetchall()
        return sorted((_job(row) for row in rows), key=lambda job: job.job_id)

    async def complete(self, job_id: int) -> None:
        """Mark done."""
        async with self._db.connection() as conn:
            await conn.execute(
                "UPDATE jobs SET status = 'done', locked_until = NULL, "
                "updated_at = clock_timestamp() WHERE job_id = %s",
                (job_id,),
            )

    async def retry(self, job_id: int, *, error: str, run_after: datetime) -> None:
        """Back to pending, to run after the given time."""
        async with self._db.connection() as conn:
            await conn.execute(
                "UPDATE jobs SET status = 'pending', locked_until = NULL, run_after = %s, "
                "last_error = %s, updated_at = clock_timestamp() WHERE job_id = %s",
                (run_after, error[:_MAX_ERROR_LENGTH], job_id),
            )

    async def bury(self, job_id: int, *, error: str) -> None:
        """To the dead letter state."""
        async with self._db.connection() as conn:
            await conn.execute(
                "UPDATE jobs SET status = 'dead', locked_until = NULL, last_error = %s, "
                "updated_at = clock_timestamp() WHERE job_id = %s",
                (error[:_MAX_ERROR_LENGTH], job_id),
            )

    async def dead(self, *, limit: int) -> list[Job]:
        """Dead jobs, most recently buried first."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE status = 'dead' "
                "ORDER BY updated_at DESC, job_id DESC LIMIT %s",
                (limit,),
            )
            return [_job(row) for row in await cursor.fetchall()]

    async def revive(self, job_id: int) -> bool:
        """Requeue a dead job with a fresh attempt count."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "UPDATE jobs SET status = 'pending', attempts = 0, run_after = clock_timestamp(), "
                "updated_at = clock_timestamp() WHERE job_id = %s AND status = 'dead'",
                (job_id,),
            )
        return cursor.rowcount == 1

    async def pending_count(self) -> int:
        """Unfinished jobs."""
        return await self._count("status IN ('pending', 'running')")

    async def dead_count(self) -> int:
        """Jobs in the dead letter state (counted on the partial index)."""
        return await self._count("status = 'dead'")

    async def _count(self, condition: str) -> int:
        async with self._db.connection() as conn:
            cursor = await conn.execute(f"SELECT count(*) AS n FROM jobs WHERE {condition}")
            row = await cursor.fetchone()
        return int(row["n"]) if row else 0

    async def health(self) -> Health:
        """The delivery backlog: jobs not yet done, and jobs given up on."""
        try:
            pending, dead = await self.pending_count(), await self.dead_count()
        except UpstreamUnavailable as exc:
            return Health(ok=False, backend="postgresql", details={"reason": exc.message})
        return Health(
            ok=True, backend="postgresql", details={"pending_jobs": pending, "dead_jobs": dead}
        )
