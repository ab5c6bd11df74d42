"""Persistence of users, sessions, token revocations and login throttling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from hybridmem.domain.accounts import (
    ChatSession,
    Credentials,
    MetadataPatch,
    NewUser,
    ProfileChange,
    User,
)
from hybridmem.domain.jobs import NewJob
from hybridmem.domain.pagination import Page


class UserRepository(Protocol):
    """Users and their credentials.

    Contract:
    - ``add`` raises ``Conflict`` when the user id or the (normalized) email is taken,
      also when two adds race: exactly one of them wins.
    - ``get`` raises ``NotFound`` for an unknown id.
    - ``update`` applies a partial change atomically; the metadata patch is merged at
      the top level and keys set to ``None`` are removed.
    - ``delete`` removes the user and everything stored under the user's id in this
      database (sessions, messages, tokens…); ``NotFound`` if absent.
    - ``list`` is ordered by creation time then id; its cursor is stable under inserts.
    """

    async def add(self, user: NewUser) -> User:
        """Store a new user."""
        ...

    async def get(self, user_id: str) -> User:
        """Return one user."""
        ...

    async def ensure(self, user_id: str) -> None:
        """Create a user with no login (library use) unless the id exists."""
        ...

    async def find_credentials(
        self, *, email: str | None, user_id: str | None
    ) -> Credentials | None:
        """Return the password hash of the user with this email or id, if any."""
        ...

    async def update(self, user_id: str, change: ProfileChange) -> User:
        """Apply a profile change and return the updated user."""
        ...

    async def set_admin(self, user_id: str, is_admin: bool) -> User:
        """Grant or withdraw the admin role."""
        ...

    async def delete(self, user_id: str, *, follow_up: Sequence[NewJob] = ()) -> None:
        """Delete the user and all their data held in this database; enqueue
        ``follow_up`` jobs (e.g. deletion at memory providers) in the same transaction."""
        ...

    async def list(
        self,
        *,
        limit: int,
        cursor: str | None,
        metadata_filter: tuple[str, Any] | None = None,
    ) -> Page[User]:
        """List users, optionally only those whose metadata has ``key == value``."""
        ...


class SessionRepository(Protocol):
    """Chat sessions, scoped by user: ids are unique per user, never across users.

    Contract:
    - ``start`` creates the session, or returns the existing one with ``created=False``
      (merging ``metadata`` into it); a soft-deleted session is restored. Racing starts
      of one id create it once.
    - ``get``/``update``/``delete`` raise ``NotFound`` for an unknown, soft-deleted or
      other user's session.
    - ``delete`` is soft: the session and its messages are hidden, and ``purge`` removes
      them for good once they were deleted before the given time.
    - ``list`` shows live sessions only, ordered by creation time then id.
    """

    async def start(
        self, user_id: str, session_id: str, metadata: dict[str, Any]
    ) -> tuple[ChatSession, bool]:
        """Create or restore a session; the flag says whether it was created."""
        ...

    async def get(self, user_id: str, session_id: str) -> ChatSession:
        """Return one live session of the user."""
        ...

    async def update_metadata(
        self, user_id: str, session_id: str, patch: MetadataPatch
    ) -> ChatSession:
        """Merge a metadata patch into a live session."""
        ...

    async def delete(self, user_id: str, session_id: str) -> None:
        """Soft-delete a session and hide its messages."""
        ...

    async def list(self, user_id: str, *, limit: int, cursor: str | None) -> Page[ChatSession]:
        """List the user's live sessions."""
        ...

    async def purge(self, deleted_before: datetime) -> int:
        """Remove sessions and messages soft-deleted before the time; return how many."""
        ...


class TokenRevocations(Protocol):
    """Server-side logout: revoked token ids, kept until the token expires anyway."""

    async def revoke(self, jti: str, user_id: str, expires_at: datetime) -> None:
        """Refuse this token id from now on (idempotent)."""
        ...

    async def is_revoked(self, jti: str) -> bool:
        """Whether the token id was revoked."""
        ...

    async def purge_expired(self, now: datetime) -> int:
        """Forget revocations of tokens that have expired; return how many."""
        ...


class LoginThrottle(Protocol):
    """Counts failed logins per login identifier to slow down password guessing.

    Contract: after ``max_failures`` failures within the window, ``check`` raises
    ``RateLimited`` with the seconds until the lockout ends; a success resets the count.
    Unknown identifiers are counted exactly like known ones, so throttling reveals
    nothing about which accounts exist.
    """

    async def check(self, identifier: str) -> None:
        """Raise RateLimited while the identifier is locked out."""
        ...

    async def record_failure(self, identifier: str) -> None:
        """Count one failed attempt."""
        ...

    async def record_success(self, identifier: str) -> None:
        """Reset the count after a successful login."""
        ...

    async def purge_stale(self, now: datetime) -> int:
        """Forget counters whose window and lockout have passed; return how many."""
        ...
