"""Per-user rate limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class RateLimiter(Protocol):
    """Counts requests per user and bucket in fixed windows.

    Contract: ``hit`` counts one request; once more than ``limit`` were counted in the
    current window it raises ``RateLimited`` with the seconds until the window ends.
    Counting is atomic across processes.
    """

    async def hit(self, user_id: str, bucket: str, *, limit: int, window: timedelta) -> None:
        """Count a request, or refuse it."""
        ...

    async def purge(self, before: datetime) -> int:
        """Forget windows that started before the time; return how many."""
        ...
