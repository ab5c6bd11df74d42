"""Health checks: every dependency says whether it can serve, in its own terms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Health:
    """One dependency's answer: usable or not, what it is, and anything worth showing."""

    ok: bool
    backend: str
    details: Mapping[str, Any] = field(default_factory=dict)


class HealthCheck(Protocol):
    """Contract: ``health`` never raises for an unhealthy dependency (it answers
    ``ok=False`` with a reason in ``details``) and returns within its own timeouts."""

    async def health(self) -> Health:
        """Check the dependency now."""
        ...
