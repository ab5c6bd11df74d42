"""The job worker on the in-memory outbox and a frozen clock: backoff, dead letters, order."""

from __future__ import annotations

from datetime import timedelta

from hybridmem.domain.errors import InvalidInput, UpstreamRateLimited
from hybridmem.domain.jobs import JobKind, JobStatus, NewJob
from tests.unit.application.conftest import job_worker


def job(key: str, user: str = "x", kind: str = JobKind.EXTRACT) -> NewJob:
    return NewJob(kind=kind, user_id=user, idempotency_key=key)


class Handler:
    """Fails the jobs it is told to, a given number of times (forever with None)."""

    def __init__(self, failures: dict[str, tuple[Exception, int | None]] | None = None) -> None:
        self.failures = dict(failures or {})
        self.done: list[str] = []

    async def __call__(self, claimed) -> None:
        error, times = self.failures.get(claimed.idempotency_key, (None, 0))
        if error is not None and (times is None or times > 0):
            if times is not None:
                self.failures[claimed.idempotency_key] = (error, times - 1)
            raise error
        self.done.append(claimed.idempotency_key)


async def test_failures_back_off_exponentially_then_are_buried(world, clock):
    handler = Handler({"flaky": (ConnectionError("upstream down"), None)})
    events: list[str] = []
    worker = job_worker(world, {JobKind.EXTRACT: handler}, max_attempts=3, on_event=events.append)
    await world.outbox.enqueue([job("flaky")])
    waits = []
    for _ in range(3):
        assert await worker.run_once() == 1
        [state] = world.outbox.jobs()
        if state.status is JobStatus.PENDING:
            waits.append(state.run_after - clock.now())
            assert await worker.run_once() == 0  # not due yet
            clock.advance(seconds=waits[-1].total_seconds())
    assert waits == [timedelta(seconds=1), timedelta(seconds=2)]
    [dead] = await world.outbox.dead(limit=10)
    assert (dead.attempts, dead.last_error) == (3, "ConnectionError: upstream down")
    assert events == ["job_retried", "job_retried", "job_dead"]
    assert (await world.outbox.pending_count(), await world.outbox.dead_count()) == (0, 1)


async def test_an_upstreams_retry_after_is_honoured(world, clock):
    slow = UpstreamRateLimited("slow down", upstream="zep", retry_after=30)
    worker = job_worker(world, {JobKind.EXTRACT: Handler({"a": (slow, 1)})})
    await world.outbox.enqueue([job("a")])
    await worker.run_once()
    assert world.outbox.jobs()[0].run_after == clock.now() + timedelta(seconds=30)


async def test_refused_input_and_unknown_kinds_are_buried_at_once(world):
    handler = Handler({"bad": (InvalidInput("bad payload"), None)})
    worker = job_worker(world, {JobKind.EXTRACT: handler})
    await world.outbox.enqueue([job("bad"), job("mystery", kind="who-knows"), job("ok", user="y")])
    await worker.drain()
    dead = {j.idempotency_key: j for j in await world.outbox.dead(limit=10)}
    assert set(dead) == {"bad", "mystery"}
    assert dead["bad"].attempts == 1
    assert dead["bad"].last_error == "invalid input: bad payload"
    assert "who-knows" in dead["mystery"].last_error
    assert handler.done == ["ok"]


async def test_a_users_jobs_of_one_kind_run_in_order_even_across_retries(world, clock):
    handler = Handler({"x1": (ConnectionError("down"), 1)})
    worker = job_worker(world, {JobKind.EXTRACT: handler, JobKind.INDEX: handler})
    await world.outbox.enqueue(
        [job("x1"), job("x2"), job("y1", user="y"), job("x-other", kind=JobKind.INDEX)]
    )
    await worker.run_once()  # x1 fails; x2 must wait for it, the others need not
    assert sorted(handler.done) == ["x-other", "y1"]
    assert await worker.run_once() == 0
    clock.advance(seconds=1)
    await worker.drain()
    assert handler.done[-2:] == ["x1", "x2"]


async def test_a_crashed_workers_job_is_claimed_again_after_its_lease(world, clock):
    await world.outbox.enqueue([job("lost")])
    [taken] = await world.outbox.claim(limit=1, lease=timedelta(minutes=5))  # then it crashes
    handler = Handler()
    worker = job_worker(world, {JobKind.EXTRACT: handler})
    assert await worker.run_once() == 0  # still leased
    clock.advance(minutes=6)
    assert await worker.run_once() == 1
    [finished] = world.outbox.jobs()
    assert (finished.job_id, finished.attempts, finished.status) == (
        taken.job_id,
        2,
        JobStatus.DONE,
    )


async def test_a_revived_dead_job_runs_again(world):
    handler = Handler({"once": (InvalidInput("not yet"), 1)})
    worker = job_worker(world, {JobKind.EXTRACT: handler})
    await world.outbox.enqueue([job("once")])
    await worker.drain()
    [dead] = await world.outbox.dead(limit=1)
    assert await world.outbox.revive(dead.job_id)
    await worker.drain()
    assert handler.done == ["once"]
    assert world.outbox.jobs()[0].attempts == 1  # a fresh count after the revival
