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

    async def run_once(self) -> int:
        """Claim one batch and process it; return how many jobs were processed."""
        jobs = await self._outbox.claim(limit=self._batch_size, lease=self._lease)
        # A batch holds at most one job per user and kind (the outbox keeps per-user
        # order), so the jobs can run concurrently.
        await asyncio.gather(*(self._process(job) for job in jobs))
        return len(jobs)

    async def _process(self, job: Job) -> None:
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
        within: float | None = None,
        poll_seconds: float = 0.5,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Process until nothing is pending — waiting out the back-off of retried jobs —
        however long the backlog is (unless ``within`` seconds pass: TimeoutError).
        ``on_progress`` hears how many jobs are still pending after each round. Jobs that
        fail for good go to the dead letter state and stop counting."""
        async with asyncio.timeout(within):
            while True:
                processed = await self.run_once()
                pending = await self._outbox.pending_count()
                if on_progress is not None:
                    on_progress(pending)
                if pending == 0:
                    return
                if processed == 0:
                    await asyncio.sleep(poll_seconds)
