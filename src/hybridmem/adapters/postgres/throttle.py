"""Login attempt counters in PostgreSQL, shared by every API process."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from hybridmem.adapters.postgres.database import Database
from hybridmem.domain.accounts import LoginSubject
from hybridmem.domain.errors import RateLimited
from hybridmem.ports.system import Clock

# One statement, so concurrent guesses are serialized by the row lock of the upsert:
# each sees the count the previous one left. Every SET expression reads the old row.
# A locked subject's count goes past max_failures (capped at max + 1): that is how the
# caller tells "refused" from "allowed, and this attempt started the lockout".
_ATTEMPT = """
INSERT INTO login_failures AS f (identifier_hash, user_id, failures, window_started_at,
                                 locked_until)
VALUES (%(key)s, %(user_id)s, 1, %(now)s,
        CASE WHEN %(max)s <= 1 THEN %(lock_end)s::timestamptz END)
ON CONFLICT (identifier_hash) DO UPDATE SET
    failures = CASE
        WHEN f.locked_until > %(now)s THEN LEAST(f.failures + 1, %(max)s + 1)
        WHEN f.locked_until IS NOT NULL OR f.window_started_at < %(window_start)s THEN 1
        ELSE f.failures + 1 END,
    window_started_at = CASE
        WHEN f.locked_until > %(now)s THEN f.window_started_at
        WHEN f.locked_until IS NOT NULL OR f.window_started_at < %(window_start)s
            THEN %(now)s
        ELSE f.window_started_at END,
    locked_until = CASE
        WHEN f.locked_until > %(now)s THEN f.locked_until
        WHEN (CASE WHEN f.locked_until IS NOT NULL OR f.window_started_at < %(window_start)s
                   THEN 1 ELSE f.failures + 1 END) >= %(max)s THEN %(lock_end)s::timestamptz
        ELSE NULL END,
    user_id = COALESCE(f.user_id, EXCLUDED.user_id)
RETURNING failures, locked_until
"""


class PostgresLoginThrottle:
    """Login attempts per subject (see ``LoginThrottle`` for the contract). Keys are
    stored as SHA-256 hashes, never as the email or id itself."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        max_failures: int,
        window: timedelta,
        lockout: timedelta,
    ) -> None:
        self._db = database
        self._clock = clock
        self._max_failures = max_failures
        self._window = window
        self._lockout = lockout

    @staticmethod
    def _key(subject: LoginSubject) -> str:
        return hashlib.sha256(subject.key.encode()).hexdigest()

    async def attempt(self, subject: LoginSubject) -> None:
        """Count an attempt; raise RateLimited (counting nothing) while locked out."""
        now = self._clock.now()
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                _ATTEMPT,
                {
                    "key": self._key(subject),
                    "user_id": subject.user_id,
                    "now": now,
                    "window_start": now - self._window,
                    "lock_end": now + self._lockout,
                    "max": self._max_failures,
                },
            )
            row = await cursor.fetchone()
        assert row is not None
        if row["failures"] > self._max_failures:
            retry_after = max(1, math.ceil((row["locked_until"] - now).total_seconds()))
            raise RateLimited("too many failed logins; try again later", retry_after=retry_after)

    async def succeeded(self, subject: LoginSubject) -> None:
        """Forget the subject's count and lockout."""
        async with self._db.connection() as conn:
            await conn.execute(
                "DELETE FROM login_failures WHERE identifier_hash = %s", (self._key(subject),)
            )

    async def purge_stale(self, now: datetime) -> int:
        """Drop counters whose window and lockout are over."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM login_failures WHERE window_started_at < %s "
                "AND (locked_until IS NULL OR locked_until < %s)",
                (now - self._window, now),
            )
        return cursor.rowcount
