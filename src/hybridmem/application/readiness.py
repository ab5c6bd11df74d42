"""Readiness: every dependency's health, checked concurrently, summed up in one status."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from hybridmem.ports.health import Health, HealthCheck


class ReadinessStatus(StrEnum):
    """``ready``: all well; ``degraded``: something optional is down (memory is delayed,
    not lost); ``unavailable``: a required dependency is down, requests will fail."""

    READY = "ready"
    DEGRADED = "degraded"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """The status and each check's answer."""

    status: ReadinessStatus
    checks: Mapping[str, Health]


class Readiness:
    """Asks each named check; a check that raises or takes longer than ``timeout`` counts
    as down."""

    def __init__(
        self,
        checks: Mapping[str, HealthCheck],
        *,
        required: Collection[str] = ("database",),
        timeout_seconds: float = 3.0,
    ) -> None:
        self._checks = dict(checks)
        self._required = frozenset(required)
        self._timeout = timeout_seconds

    async def _one(self, check: HealthCheck) -> Health:
        try:
            return await asyncio.wait_for(check.health(), timeout=self._timeout)
        except Exception as exc:
            return Health(ok=False, backend="unknown", details={"reason": type(exc).__name__})

    async def report(self) -> ReadinessReport:
        """Check everything now."""
        names = list(self._checks)
        answers = await asyncio.gather(*(self._one(self._checks[name]) for name in names))
        checks = dict(zip(names, answers, strict=True))
        if any(not checks[name].ok for name in self._required if name in checks):
            status = ReadinessStatus.UNAVAILABLE
        elif all(health.ok for health in checks.values()):
            status = ReadinessStatus.READY
        else:
            status = ReadinessStatus.DEGRADED
        return ReadinessReport(status, checks)


class RoleHealth:
    """A memory role's health: its backend's, reported under the backend's role name
    ("postgres", "zep", "mem0")."""

    def __init__(self, backend: str, check: HealthCheck) -> None:
        self._backend = backend
        self._check = check

    async def health(self) -> Health:
        """The backend's health, named for the role."""
        answer = await self._check.health()
        return Health(ok=answer.ok, backend=self._backend, details=answer.details)
