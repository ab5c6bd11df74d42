"""The real clock and id source."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        """Current time, timezone-aware."""
        return datetime.now(UTC)


class UuidIds:
    """Random UUID4-based ids (hex, 32 characters after the prefix)."""

    def new_id(self, prefix: str = "") -> str:
        """A new random id."""
        return f"{prefix}{uuid.uuid4().hex}"
