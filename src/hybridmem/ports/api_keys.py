"""Persistence of API keys (hashed secrets bound to one account instance)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hybridmem.domain.accounts import AccountIdentity
from hybridmem.domain.api_keys import ApiKey, NewApiKey


class ApiKeyRepository(Protocol):
    """API keys of users, found by the hash of their secret.

    Contract:
    - ``add`` stores a key of the account instance ``key.account_id`` of ``key.user_id``;
      ``NotFound`` when that user does not exist or has another account id now;
      ``Conflict`` (``details.rule`` ``too_many_keys``) when the user already holds
      ``max_keys`` keys, also when adds race: the limit is never overshot. The new key
      has no ``last_used_at``.
    - ``list`` returns the user's keys, oldest first (creation time, then id); never
      another user's.
    - ``find`` returns the key whose secret has this hash, with the identity of its
      account as it is now, or ``None`` when no such key exists, it was revoked, or its
      account was deleted or is another instance than the key's (one lookup).
    - ``revoke`` deletes the user's key: it is never found again; ``NotFound`` for an
      unknown key, another user's key, or one already revoked.
    - ``record_use`` sets ``last_used_at`` to ``used_at`` unless it is already at or
      after ``not_before`` (so concurrent uses write at most once); unknown keys are
      ignored.
    - Deleting the user (``UserRepository.delete``) deletes their keys.
    """

    async def add(self, key: NewApiKey, *, max_keys: int) -> ApiKey:
        """Store a new key."""
        ...

    async def list(self, user_id: str) -> list[ApiKey]:
        """The user's live keys."""
        ...

    async def find(self, secret_hash: str) -> tuple[ApiKey, AccountIdentity] | None:
        """The live key with this secret hash and its account's current identity."""
        ...

    async def revoke(self, user_id: str, key_id: str) -> None:
        """Delete one of the user's keys."""
        ...

    async def record_use(self, key_id: str, used_at: datetime, *, not_before: datetime) -> None:
        """Note that the key was used (at most once per period)."""
        ...
