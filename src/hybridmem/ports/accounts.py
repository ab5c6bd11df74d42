"""Persistence of users, sessions, token revocations and login throttling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from hybridmem.domain.accounts import (
    AccountIdentity,
    ChatSession,
    Credentials,
    LoginSubject,
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
      also when two adds race: exactly one of them wins. Every added account gets a new
      random ``account_id`` (also when its user id was used by a deleted account) and
      token generation 0.
    - ``get`` raises ``NotFound`` for an unknown id.
    - ``identity`` returns what authentication needs (no metadata, no profile text);
      ``NotFound`` for an unknown id.
    - ``update`` applies a partial change atomically; the metadata patch is merged at
      the top level and keys set to ``None`` are removed. A merged metadata object over
      ``MAX_METADATA_BYTES`` raises ``InvalidInput`` (rule ``max_bytes``) and changes
      nothing at all.
    - ``change_password`` and ``revoke_all_tokens`` act only on the given account
      instance (``NotFound`` otherwise) and raise its token generation by one, returning
      the new one; ``change_password`` also stores the new hash.
    - ``delete`` removes the user and everything stored under the user's id in this
      database (sessions, messages, token revocations, login-failure counters…);
      ``NotFound`` if absent, or if ``account_id`` is given and is not the user's.
    - ``list`` is ordered by creation time then id; its cursor is stable under inserts.
    """

    async def add(self, user: NewUser) -> User:
        """Store a new user."""
        ...

    async def get(self, user_id: str) -> User:
        """Return one user."""
        ...

    async def identity(self, user_id: str) -> AccountIdentity:
        """Return the account binding and role of one user (a cheap key lookup)."""
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

    async def change_password(self, user_id: str, account_id: str, password_hash: str) -> int:
        """Store a new password hash and revoke every token; return the new generation."""
        ...

    async def revoke_all_tokens(self, user_id: str, account_id: str) -> int:
        """Revoke every token of the account; return the new generation."""
        ...

    async def set_admin(self, user_id: str, is_admin: bool) -> User:
        """Grant or withdraw the admin role."""
        ...

    async def delete(
        self,
        user_id: str,
        *,
        account_id: str | None = None,
        follow_up: Sequence[NewJob] = (),
    ) -> None:
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
    - ``start`` and ``update_metadata`` raise ``InvalidInput`` (rule ``max_bytes``) when
      the merged metadata would exceed ``MAX_METADATA_BYTES``, and change nothing.
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
    """Counts login attempts per subject (an account, or an identifier naming none) to
    slow down password guessing.

    Contract: ``attempt`` counts one attempt *before* the password is checked, atomically,
    so concurrent guesses cannot slip past the limit: the ``max_failures``-th attempt
    within the window starts a lockout, and while it lasts ``attempt`` raises
    ``RateLimited`` with the seconds until it ends (and counts nothing). ``succeeded``
    forgets the subject's count and lockout. Unknown identifiers are counted exactly like
    accounts, so throttling reveals nothing about which accounts exist. Counters of an
    account (``subject.user_id`` set) are deleted with the account.
    """

    async def attempt(self, subject: LoginSubject) -> None:
        """Count an attempt, or raise RateLimited while the subject is locked out."""
        ...

    async def succeeded(self, subject: LoginSubject) -> None:
        """Reset the count after a successful login."""
        ...

    async def purge_stale(self, now: datetime) -> int:
        """Forget counters whose window and lockout have passed; return how many."""
        ...
