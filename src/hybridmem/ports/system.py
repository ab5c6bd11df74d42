"""Time and identity sources, injected so tests can control them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware (UTC)."""
        ...


class Ids(Protocol):
    """Makes new unique identifiers."""

    def new_id(self, prefix: str = "") -> str:
        """Return a new id, unique across processes, optionally prefixed (``usr_…``)."""
        ...
