"""Fixed-window rate limits in PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hybridmem.adapters.postgres.database import Database
from hybridmem.domain.errors import RateLimited
from hybridmem.ports.system import Clock


class PostgresRateLimiter:
    """``RateLimiter``: one upsert per request."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def hit(self, user_id: str, bucket: str, *, limit: int, window: timedelta) -> None:
        """Count, and refuse past the limit with the time left in the window."""
        now = self._clock.now()
        seconds = window.total_seconds()
        start = datetime.fromtimestamp(math.floor(now.timestamp() / seconds) * seconds, UTC)
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "INSERT INTO rate_limits (user_id, bucket, window_start, hits) "
                "VALUES (%s, %s, %s, 1) ON CONFLICT (user_id, bucket, window_start) "
                "DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
                (user_id, bucket, start),
            )
            row = await cursor.fetchone()
        if row is not None and row["hits"] > limit:
            retry_after = max(1, math.ceil((start + window - now).total_seconds()))
            raise RateLimited(
                f"too many {bucket} requests; at most {limit} per {int(seconds)} s",
                retry_after=retry_after,
            )

    async def purge(self, before: datetime) -> int:
        """Drop old windows."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM rate_limits WHERE window_start < %s", (before,)
            )
        return cursor.rowcount
