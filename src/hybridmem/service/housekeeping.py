"""Periodic maintenance: purge soft-deleted sessions, expired revocations, old counters."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hybridmem.application.accounts import AccountService
from hybridmem.application.sessions import SessionService
from hybridmem.ports.limits import RateLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """How many rows one purge removed."""

    sessions: int
    expired_credentials: int


async def purge_once(
    accounts: AccountService, sessions: SessionService, limits: RateLimiter | None = None
) -> PurgeReport:
    """Run every purge once."""
    if limits is not None:
        await limits.purge(datetime.now(UTC) - timedelta(hours=1))
    return PurgeReport(
        sessions=await sessions.purge(), expired_credentials=await accounts.purge_expired()
    )


async def run_periodically(
    accounts: AccountService,
    sessions: SessionService,
    limits: RateLimiter | None = None,
    *,
    interval_seconds: float,
) -> None:
    """Purge forever, every ``interval_seconds``; failures are logged and retried later."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            report = await purge_once(accounts, sessions, limits)
            log.info(
                "purge: %d sessions, %d expired credentials",
                report.sessions,
                report.expired_credentials,
            )
        except Exception:
            log.exception("periodic purge failed; will retry")
