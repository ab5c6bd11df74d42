"""The job worker against the PostgreSQL outbox: success, retries, dead letters, order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from hybridmem.adapters.postgres.outbox import PostgresOutbox
from hybridmem.application.worker import JobWorker
from hybridmem.domain.errors import InvalidInput, UpstreamRateLimited
from hybridmem.domain.jobs import JobKind, NewJob, retry_delay
from tests.support.fakes import FrozenClock


async def test_jobs_run_once_in_order_and_failures_retry_until_buried(database):
    outbox = PostgresOutbox(database)
    clock = FrozenClock(datetime.now(UTC))
    seen: list[str] = []
    failures = {"flaky": 2}

    async def handle(job):
        key = job.idempotency_key
        if failures.get(key, 0) > 0:
            failures[key] -= 1
            raise ConnectionError("upstream down")
        if key == "always":
            raise RuntimeError("never works")
        if key == "refused":
            raise InvalidInput("bad payload")
        seen.append(key)

    events: list[str] = []
    worker = JobWorker(
        outbox=outbox,
        handlers={JobKind.EXTRACT: handle},
        clock=clock,
        max_attempts=3,
        on_event=events.append,
    )
    await outbox.enqueue(
        [
            NewJob(kind=JobKind.EXTRACT, user_id=f"u-{key}", idempotency_key=key)
            for key in ("ok1", "flaky", "always", "refused")
        ]
        + [NewJob(kind=JobKind.EXTRACT, user_id="u-ok1", idempotency_key="ok2")]
    )
    # retries are scheduled in the (frozen) past so they become ready immediately
    clock.advance(seconds=-3600)
    for _ in range(6):
        await worker.run_once()
    assert seen == ["ok1", "ok2", "flaky"] or seen == ["ok1", "flaky", "ok2"]
    assert seen.index("ok1") < seen.index("ok2")
    dead = {job.idempotency_key: job for job in await outbox.dead(limit=10)}
    assert set(dead) == {"always", "refused"}
    assert dead["always"].attempts == 3
    assert dead["refused"].attempts == 1
    assert await outbox.pending_count() == 0
    assert events.count("job_done") == 3


async def test_unknown_kind_is_buried(database):
    outbox = PostgresOutbox(database)
    worker = JobWorker(outbox=outbox, handlers={}, clock=FrozenClock())
    await outbox.enqueue([NewJob(kind="mystery", user_id="u", idempotency_key="x")])
    await worker.drain()
    [dead] = await outbox.dead(limit=1)
    assert "mystery" in dead.last_error


async def test_drain_bounds_each_round_not_the_whole_queue(database):
    # A long queue that keeps moving finishes (a loaded machine makes every queue long);
    # only a round that stops moving is a hang. One user and kind: one job per round.
    outbox = PostgresOutbox(database)
    done: list[str] = []

    async def slow(job):
        await asyncio.sleep(1.0)
        done.append(job.idempotency_key)

    worker = JobWorker(outbox=outbox, handlers={JobKind.EXTRACT: slow}, clock=FrozenClock())
    await outbox.enqueue(
        [NewJob(kind=JobKind.EXTRACT, user_id="u", idempotency_key=f"j{i}") for i in range(5)]
    )
    await worker.drain(within=3)  # five rounds of at least 1 s each: more than 3 s in all
    assert done == [f"j{i}" for i in range(5)]


async def test_drain_gives_up_on_a_job_that_hangs(database):
    outbox = PostgresOutbox(database)

    async def hang(job):
        await asyncio.Event().wait()

    worker = JobWorker(outbox=outbox, handlers={JobKind.EXTRACT: hang}, clock=FrozenClock())
    await outbox.enqueue([NewJob(kind=JobKind.EXTRACT, user_id="u", idempotency_key="stuck")])
    with pytest.raises(TimeoutError):
        await worker.drain(within=0.5)


def test_retry_delay_backs_off_and_honours_retry_after():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert retry_delay(40).total_seconds() == 600
    assert retry_delay(1, retry_after=30).total_seconds() == 30
    assert retry_delay(5, retry_after=1).total_seconds() == 16
    assert UpstreamRateLimited("slow down", upstream="x", retry_after=3).retry_after == 3


async def test_admin_sees_and_revives_dead_jobs(client, app, database):
    from tests.support.api import auth_headers

    admin = await auth_headers(client, "boss")
    plain = await auth_headers(client, "pleb")
    await app.state.services.accounts.set_admin("boss", True)
    outbox = PostgresOutbox(database)
    await outbox.enqueue([NewJob(kind="mystery", user_id="boss", idempotency_key="dead-1")])
    await app.state.services.worker.drain()
    assert (await client.get("/api/admin/jobs/dead", headers=plain)).status_code == 403
    [job] = (await client.get("/api/admin/jobs/dead", headers=admin)).json()
    assert job["kind"] == "mystery"
    assert job["status"] == "dead"
    revived = await client.post(f"/api/admin/jobs/{job['job_id']}/revive", headers=admin)
    assert revived.status_code == 202
    again = await client.post(f"/api/admin/jobs/{job['job_id']}/revive", headers=admin)
    assert again.status_code == 404
    assert await outbox.pending_count() == 1
