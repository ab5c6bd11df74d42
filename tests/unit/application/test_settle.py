"""JobWorker.settle: waits for a backlog however long it is while it moves, and gives up
only after a stall period without progress."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest

from hybridmem.application.worker import BacklogStalled
from hybridmem.domain.errors import UpstreamRateLimited
from hybridmem.domain.jobs import JobKind, NewJob
from tests.unit.application.conftest import job_worker


def job(key: str, user: str = "x") -> NewJob:
    return NewJob(kind=JobKind.EXTRACT, user_id=user, idempotency_key=key)


async def test_a_backlog_longer_than_the_stall_period_finishes_while_it_moves(world):
    done: list[str] = []

    async def slow(claimed) -> None:
        await asyncio.sleep(0.05)
        done.append(claimed.idempotency_key)

    # One user's jobs run one at a time: 30 rounds of 0.05 s, about 1.5 s against a
    # stall period of 0.4 s.
    await world.outbox.enqueue([job(f"j{i}") for i in range(30)])
    seen: list[int] = []
    worker = job_worker(world, {JobKind.EXTRACT: slow})
    started = time.monotonic()
    await worker.settle(stall_seconds=0.4, poll_seconds=0.02, on_progress=seen.append)
    assert time.monotonic() - started > 1.0
    assert done == [f"j{i}" for i in range(30)]
    assert await world.outbox.pending_count() == 0
    assert seen[-1] == 0
    assert seen == sorted(seen, reverse=True)  # reported as it changes, never repeated
    assert len(seen) == len(set(seen)) > 5


async def test_a_hanging_job_stalls_after_the_stall_period(world):
    release = asyncio.Event()

    async def hangs(claimed) -> None:
        await release.wait()

    await world.outbox.enqueue([job("stuck"), job("other", user="y")])
    worker = job_worker(world, {JobKind.EXTRACT: hangs})
    started = time.monotonic()
    with pytest.raises(BacklogStalled) as raised:
        await worker.settle(stall_seconds=0.3, poll_seconds=0.02)
    assert 0.3 <= time.monotonic() - started < 2
    assert raised.value.pending == 2
    assert "no progress" in str(raised.value)
    assert isinstance(raised.value, TimeoutError)


async def test_a_job_held_by_a_stopped_worker_stalls(world, caplog):
    await world.outbox.enqueue([job("held"), job("free", user="y")])
    await world.outbox.claim(limit=1, lease=timedelta(minutes=5))  # that worker stops
    done: list[str] = []

    async def handle(claimed) -> None:
        done.append(claimed.idempotency_key)

    worker = job_worker(world, {JobKind.EXTRACT: handle})
    seen: list[int] = []
    with caplog.at_level(logging.INFO), pytest.raises(BacklogStalled) as raised:
        await worker.settle(
            stall_seconds=0.5, poll_seconds=0.02, log_seconds=0.1, on_progress=seen.append
        )
    assert len(done) == 1  # the free one ran; the held one is the stall
    assert raised.value.pending == 1
    assert seen[-1] == 1
    assert any("waiting for the job backlog: 1 pending" in r.getMessage() for r in caplog.records)


async def test_an_overall_bound_still_applies_when_given(world):
    async def slow(claimed) -> None:
        await asyncio.sleep(0.05)

    await world.outbox.enqueue([job(f"j{i}") for i in range(40)])
    worker = job_worker(world, {JobKind.EXTRACT: slow})
    with pytest.raises(TimeoutError) as raised:
        await worker.settle(stall_seconds=5, within=0.3, poll_seconds=0.02)
    assert not isinstance(raised.value, BacklogStalled)
    assert await world.outbox.pending_count() > 0


async def test_a_retry_it_scheduled_holds_the_stall_clock_until_due(world, clock):
    failed: list[str] = []

    async def once_rate_limited(claimed) -> None:
        if not failed:
            failed.append(claimed.idempotency_key)
            raise UpstreamRateLimited("slow down", upstream="zep", retry_after=1.0)

    async def time_passes() -> None:
        await asyncio.sleep(0.8)  # past the stall period, before the retry is due
        clock.advance(seconds=1)

    await world.outbox.enqueue([job("limited")])
    worker = job_worker(world, {JobKind.EXTRACT: once_rate_limited})
    ticking = asyncio.create_task(time_passes())
    await worker.settle(stall_seconds=0.3, poll_seconds=0.02)
    await ticking
    assert failed == ["limited"]
    assert await world.outbox.pending_count() == 0
