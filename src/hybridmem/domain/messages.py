"""Chat messages, the episodes every memory is derived from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who wrote a message."""

    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"
    TOOL = "tool"


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to record. ``message_id`` makes appends idempotent."""

    message_id: str
    role: Role
    content: str
    name: str | None = None
    occurred_at: datetime | None = None  # when it was said, if not now (imports, benchmarks)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Message:
    """A recorded message."""

    message_id: str
    user_id: str
    session_id: str
    role: Role
    content: str
    name: str | None
    occurred_at: datetime
    created_at: datetime
    metadata: dict[str, Any]
