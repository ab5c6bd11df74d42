"""Memory.flush on real PostgreSQL: a backlog of hundreds of jobs is waited for with
progress reports; a job held by a stopped worker ends the wait after the stall period."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

import hybridmem
from hybridmem.adapters.postgres.outbox import PostgresOutbox
from hybridmem.service.library import BacklogStalled


async def test_flush_waits_for_a_backlog_of_hundreds_of_jobs_with_progress(database):
    async with hybridmem.open_memory(database.dsn, db_pool_max_size=4) as memory:
        for user in range(8):
            await memory.add_messages(
                f"user{user}",
                "s",
                [
                    {"role": "user", "content": f"I like chess variant {i} and I live in Pune."}
                    for i in range(25)
                ],
                flush=False,
            )
        outbox = PostgresOutbox(database)
        backlog = await outbox.pending_count()
        assert backlog >= 200
        seen: list[int] = []
        await memory.flush(stall_seconds=30, on_progress=seen.append)
        assert await outbox.pending_count() == 0
        assert seen[-1] == 0
        assert seen == sorted(seen, reverse=True)
        # heard at the start (at once, however fast the backlog then drains) and at the end
        assert seen[0] == backlog
        assert len(seen) >= 2
        view = await memory.view("user3")
        assert any(f.value == "Pune" for f in view.facts)


async def test_flush_gives_up_on_a_job_held_by_a_stopped_worker(database):
    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=4, flush_stall_seconds=1
    ) as memory:
        await memory.add_messages(
            "held", "s", [{"role": "user", "content": "I live in Pune."}], flush=False
        )
        # another process's worker claims the job, then stops: its lease runs 5 minutes
        [taken] = await PostgresOutbox(database).claim(limit=1, lease=timedelta(minutes=5))
        assert taken.user_id == "held"
        started = time.monotonic()
        with pytest.raises(BacklogStalled) as raised:
            # the default flush of add_messages uses the flush_stall_seconds setting
            await memory.add_messages("free", "s", [{"role": "user", "content": "I like tea."}])
        assert 1 <= time.monotonic() - started < 10
        assert raised.value.pending == 1
        assert any(f.value == "tea" for f in (await memory.view("free")).facts)
