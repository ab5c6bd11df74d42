"""Bodies of the operations and admin routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from hybridmem.service.schemas.base import OutModel


class HealthOut(BaseModel):
    """Liveness."""

    status: str


class ReadinessOut(BaseModel):
    """Readiness of each dependency."""

    status: str
    checks: dict[str, dict[str, Any]]


class JobOut(OutModel):
    """A background job."""

    job_id: int
    kind: str
    user_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
