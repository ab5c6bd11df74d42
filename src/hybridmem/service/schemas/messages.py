"""Bodies of the message routes (history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hybridmem.domain.messages import Role
from hybridmem.service.schemas.base import OutModel, StrictModel
from hybridmem.service.schemas.fields import ClientId, Content, Metadata, Moment, Name


class MessageIn(StrictModel):
    """One message to record."""

    role: Role
    content: Content
    message_id: ClientId | None = Field(
        default=None, description="Your id for the message; makes retries idempotent"
    )
    name: Name | None = None
    occurred_at: Moment | None = Field(default=None, description="When it was said (default: now)")
    metadata: Metadata = Field(default_factory=dict)


class AddMessagesRequest(StrictModel):
    """Messages to append to a session."""

    messages: list[MessageIn] = Field(min_length=1, max_length=100)
    user_id: ClientId | None = None


class MessageOut(OutModel):
    """A recorded message."""

    message_id: str
    session_id: str
    role: Role
    content: str
    name: str | None
    occurred_at: datetime
    created_at: datetime
    metadata: dict[str, Any]
