"""Episodes: what a graph memory learns from (a chat message, or business data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EpisodeKind(StrEnum):
    """The shape of an episode's content."""

    MESSAGE = "message"
    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class Episode:
    """One piece of input for the user's graph. ``episode_id`` is ours (a message id for
    messages) and doubles as the idempotency key of its delivery."""

    episode_id: str
    kind: EpisodeKind
    content: str
    occurred_at: datetime
    source_description: str | None = None
