"""Chat sessions with Zep's semantics: client-chosen ids, metadata merge, soft delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hybridmem.domain.accounts import ChatSession, MetadataPatch, validate_id
from hybridmem.domain.pagination import Page
from hybridmem.ports.accounts import SessionRepository
from hybridmem.ports.system import Clock, Ids


class SessionService:
    """Start, read, change, list, soft-delete and purge sessions."""

    def __init__(
        self,
        *,
        sessions: SessionRepository,
        ids: Ids,
        clock: Clock,
        retention: timedelta,
    ) -> None:
        self._sessions = sessions
        self._ids = ids
        self._clock = clock
        self._retention = retention

    async def start(
        self, user_id: str, session_id: str | None, metadata: dict[str, Any] | None = None
    ) -> tuple[ChatSession, bool]:
        """Create the session (or find it); the flag says whether it was created."""
        chosen = (
            validate_id(session_id, kind="session_id")
            if session_id is not None
            else self._ids.new_id("ses_")
        )
        return await self._sessions.start(user_id, chosen, dict(metadata or {}))

    async def get(self, user_id: str, session_id: str) -> ChatSession:
        """Return one of the user's sessions."""
        return await self._sessions.get(user_id, session_id)

    async def list(self, user_id: str, *, limit: int, cursor: str | None) -> Page[ChatSession]:
        """List the user's live sessions, oldest first."""
        return await self._sessions.list(user_id, limit=limit, cursor=cursor)

    async def update_metadata(
        self, user_id: str, session_id: str, metadata: dict[str, Any]
    ) -> ChatSession:
        """Merge metadata into the session; ``None`` values remove keys."""
        return await self._sessions.update_metadata(
            user_id, session_id, MetadataPatch.from_request(metadata)
        )

    async def delete(self, user_id: str, session_id: str) -> None:
        """Soft-delete the session; it is purged after the retention period."""
        await self._sessions.delete(user_id, session_id)

    async def purge(self) -> int:
        """Remove sessions soft-deleted longer ago than the retention period."""
        return await self._sessions.purge(self._clock.now() - self._retention)
