"""Durable background jobs (the outbox)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from hybridmem.domain.retries import backoff_seconds


class JobStatus(StrEnum):
    """Where a job is in its life."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class NewJob:
    """Work to do after a commit. ``idempotency_key`` makes enqueueing idempotent and is
    passed to upstream services so a retried delivery is applied once."""

    kind: str
    user_id: str
    idempotency_key: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed or listed job."""

    job_id: int
    kind: str
    user_id: str
    idempotency_key: str
    payload: dict[str, Any]
    status: JobStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    run_after: datetime


def retry_delay(
    attempts: int,
    *,
    base: timedelta = timedelta(seconds=1),
    cap: timedelta = timedelta(minutes=10),
    retry_after: float | None = None,
) -> timedelta:
    """Exponential backoff (1 s, 2 s, 4 s… capped), or the upstream's Retry-After if longer."""
    seconds = backoff_seconds(
        attempts,
        base=base.total_seconds(),
        cap=cap.total_seconds(),
        retry_after=retry_after,
        honour_beyond_cap=True,
    )
    return timedelta(seconds=seconds)
