"""Bodies of the session routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hybridmem.service.schemas.base import OutModel, StrictModel
from hybridmem.service.schemas.fields import ClientId, Metadata


class SessionStartRequest(StrictModel):
    """Start (or find) a chat session."""

    session_id: ClientId | None = Field(
        default=None, description="Your own id for the session; generated if absent"
    )
    metadata: Metadata | None = None
    user_id: ClientId | None = Field(
        default=None, description="Accepted for compatibility; must be the caller's own id"
    )


class SessionOut(OutModel):
    """A chat session."""

    session_id: str
    user_id: str
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class SessionPatch(StrictModel):
    """Merge metadata into a session; a key set to null is removed."""

    metadata: Metadata
