"""Delivers outbox jobs: retries with backoff, dead letters, per-user order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from hybridmem.domain.errors import InvalidInput, UpstreamRateLimited
from hybridmem.domain.jobs import Job, JobKind, retry_delay
from hybridmem.ports.outbox import Outbox
from hybridmem.ports.system import Clock

log = logging.getLogger(__name__)

JobHandler = Callable[[Job], Awaitable[None]]
EventSink = Callable[[str], None]


class JobBell:
    """Rung by the write path after it enqueues jobs, so an in-process worker looks for
    them now instead of after its idle sleep. Shared by both, made once."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        """There may be new jobs."""
        self._event.set()

    @property
    def rung(self) -> bool:
        """Rung since the last wait ended."""
        return self._event.is_set()

    async def wait(self, seconds: float) -> None:
        """Return when rung, or after ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout=seconds)
        self._event.clear()


class JobWorker:
    """Claims ready jobs and runs the handler registered for each job's kind.

    A failing job is retried with exponential backoff (honouring an upstream's
    Retry-After) until ``max_attempts``, then buried in the dead letter state. Input the
    handler refuses (``InvalidInput``) is buried at once: retrying cannot fix it.
    """

    def __init__(
        self,
        *,
        outbox: Outbox,
        handlers: Mapping[JobKind, JobHandler],
        clock: Clock,
        batch_size: int = 16,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 8,
        idle_sleep: float = 0.2,
        on_event: EventSink | None = None,
        bell: JobBell | None = None,
    ) -> None:
        self._outbox = outbox
        self._handlers = dict(handlers)
        self._clock = clock
        self._batch_size = batch_size
        self._lease = lease
        self._max_attempts = max_attempts
        self._idle_sleep = idle_sleep
        self._on_event = on_event or (lambda event: None)
        self._bell = bell or JobBell()
        # Read by settle(): attempts finished here (done, retried or buried), and when the
        # latest retry is due (event loop time).
        self._finished = 0
        self._retry_due = 0.0

    async def run_once(self) -> int:
        """Claim one batch and process it; return how many jobs were processed."""
        jobs = await self._outbox.claim(limit=self._batch_size, lease=self._lease)
        # A batch holds at most one job per user and kind (the outbox keeps per-user
        # order), so the jobs can run concurrently.
        await asyncio.gather(*(self._process(job) for job in jobs))
        return len(jobs)

    async def _process(self, job: Job) -> None:
        await self._attempt(job)
        self._finished += 1

    async def _attempt(self, job: Job) -> None:
        known = job.kind in JobKind.__members__.values()
        handler = self._handlers.get(JobKind(job.kind)) if known else None
        if handler is None:
            await self._outbox.bury(job.job_id, error=f"no handler for job kind {job.kind!r}")
            self._on_event("job_dead")
            return
        try:
            await handler(job)
        except asyncio.CancelledError:
            raise
        except InvalidInput as exc:
            await self._outbox.bury(job.job_id, error=f"invalid input: {exc.message}")
            self._on_event("job_dead")
            log.warning("job %s (%s) refused its input; buried", job.job_id, job.kind)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            if job.attempts >= self._max_attempts:
                await self._outbox.bury(job.job_id, error=error)
                self._on_event("job_dead")
                log.error("job %s (%s) failed %d times; buried", job.job_id, job.kind, job.attempts)
                return
            retry_after = exc.retry_after if isinstance(exc, UpstreamRateLimited) else None
            delay = retry_delay(job.attempts, retry_after=retry_after)
            await self._outbox.retry(job.job_id, error=error, run_after=self._clock.now() + delay)
            due = asyncio.get_running_loop().time() + delay.total_seconds()
            self._retry_due = max(self._retry_due, due)
            self._on_event("job_retried")
            log.info(
                "job %s (%s) failed (attempt %d, %s), retrying in %.1fs",
                job.job_id,
                job.kind,
                job.attempts,
                type(exc).__name__,  # the type only: a message may quote user text
                delay.total_seconds(),
            )
        else:
            await self._outbox.complete(job.job_id)
            self._on_event("job_done")

    async def run_forever(self) -> None:
        """Process jobs until cancelled; a failing database only delays the next round."""
        while True:
            try:
                processed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job worker round failed; retrying")
                processed = 0
            if processed == 0:
                await self._bell.wait(self._idle_sleep)

    async def drain(self, *, within: float = 30.0) -> None:
        """Process until no job is ready (used by the library API and tests).

        ``within`` bounds each round (one batch), not the whole drain: a long queue that
        keeps moving finishes however slow the machine, a job that hangs raises
        ``TimeoutError``.
        """
        while True:
            async with asyncio.timeout(within):
                if not await self.run_once():
                    return

    async def settle(
        self,
        *,
        stall_seconds: float = 60.0,
        within: float | None = None,
        poll_seconds: float = 0.5,
        log_seconds: float = 5.0,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Process until nothing is pending, however long the backlog, as long as it moves.

        Progress is a drop in the pending count or an attempt this worker finished (done,
        retried or buried); a retry this worker scheduled holds the stall clock until it
        is due. ``BacklogStalled`` when there is none for ``stall_seconds`` (a hanging job,
        or one held by a stopped worker until its lease expires); ``TimeoutError`` when
        ``within`` seconds pass in all. ``on_progress`` hears the pending count at once, whenever
        it changes, and 0 at the end; a log line reports it every ``log_seconds``. Jobs
        that fail for good go to the dead letter state and stop counting.
        """
        loop = asyncio.get_running_loop()
        watch = _BacklogWatch(loop.time(), self._finished, stall_seconds, log_seconds, on_progress)
        # the starting count first, so a caller hears the size of the backlog at once
        watch.observe(
            loop.time(), await self._outbox.pending_count(), self._finished, self._retry_due
        )
        async with asyncio.timeout(within):
            # The rounds run apart from the watch, so a batch that never returns (a
            # hanging handler) is noticed too.
            rounds = asyncio.create_task(self._settle_rounds(poll_seconds))
            try:
                while True:
                    done, _ = await asyncio.wait({rounds}, timeout=poll_seconds)
                    if done:
                        rounds.result()  # raises what the rounds raised
                        watch.finished()
                        return
                    pending = await self._outbox.pending_count()
                    watch.observe(loop.time(), pending, self._finished, self._retry_due)
            finally:
                if not rounds.done():
                    rounds.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await rounds

    async def _settle_rounds(self, poll_seconds: float) -> None:
        while True:
            if await self.run_once():
                continue
            if await self._outbox.pending_count() == 0:
                return
            await asyncio.sleep(poll_seconds)  # not due yet, or claimed elsewhere


class BacklogStalled(TimeoutError):
    """Jobs stayed pending and none moved for the stall period."""

    def __init__(self, pending: int, stalled_for: float) -> None:
        super().__init__(
            f"the job backlog made no progress for {stalled_for:.0f} s with {pending} job(s) "
            "pending: a job is hanging, or is held by a stopped worker until its lease "
            "expires (wait longer with a larger stall period)"
        )
        self.pending = pending
        self.stalled_for = stalled_for


class _BacklogWatch:
    """Decides, from periodic observations, whether a settling backlog still moves."""

    def __init__(
        self,
        now: float,
        finished: int,
        stall_seconds: float,
        log_seconds: float,
        on_progress: Callable[[int], None] | None,
    ) -> None:
        self._stall = stall_seconds
        self._log_every = log_seconds
        self._on_progress = on_progress
        self._started = self._moved = self._logged = now
        self._pending: int | None = None
        self._finished = finished
        self._first: int | None = None

    def observe(self, now: float, pending: int, finished: int, retry_due: float) -> None:
        """Record one observation; BacklogStalled when nothing moved for too long."""
        if finished > self._finished or (self._pending is not None and pending < self._pending):
            self._moved = now
        if self._first is None:
            self._first = pending
        if pending != self._pending and self._on_progress is not None:
            self._on_progress(pending)
        self._pending, self._finished = pending, finished
        if now - max(self._moved, retry_due) >= self._stall:
            raise BacklogStalled(pending, now - self._moved)
        if now - self._logged >= self._log_every:
            self._logged = now
            log.info(
                "waiting for the job backlog: %d pending (%d at the start, %.0f s in, "
                "last progress %.0f s ago)",
                pending,
                self._first or 0,
                now - self._started,
                now - self._moved,
            )

    def finished(self) -> None:
        """The backlog is empty."""
        if self._on_progress is not None and self._pending != 0:
            self._on_progress(0)
