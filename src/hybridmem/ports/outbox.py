"""Durable jobs: enqueued with the data that causes them, delivered at least once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from hybridmem.domain.jobs import Job, NewJob


class Outbox(Protocol):
    """A job queue in the system-of-record database.

    Contract:
    - ``enqueue`` is idempotent by ``idempotency_key``.
    - ``claim`` hands each ready job to one claimer at a time (a lease); a job whose lease
      expires (a crashed worker) becomes claimable again.
    - ``complete`` ends a job; ``retry`` reschedules it; ``bury`` moves it to the dead
      letter state, where ``dead`` lists it and ``revive`` puts it back in the queue.
    """

    async def enqueue(self, jobs: Sequence[NewJob]) -> int:
        """Add jobs; return how many were new."""
        ...

    async def claim(self, *, limit: int, lease: timedelta) -> list[Job]:
        """Take up to ``limit`` ready jobs, oldest first."""
        ...

    async def complete(self, job_id: int) -> None:
        """Mark a claimed job done."""
        ...

    async def retry(self, job_id: int, *, error: str, run_after: datetime) -> None:
        """Release a claimed job to run again later."""
        ...

    async def bury(self, job_id: int, *, error: str) -> None:
        """Give up on a job: it goes to the dead letter state."""
        ...

    async def dead(self, *, limit: int) -> list[Job]:
        """Jobs in the dead letter state, newest first."""
        ...

    async def revive(self, job_id: int) -> bool:
        """Queue a dead job again; False if there is no such dead job."""
        ...

    async def pending_count(self) -> int:
        """Jobs not yet done (pending or running)."""
        ...

    async def dead_count(self) -> int:
        """Jobs in the dead letter state."""
        ...
