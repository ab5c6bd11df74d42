"""Memory providers' view of users, and the mapping between our ids and theirs."""

from __future__ import annotations

from typing import Protocol

from hybridmem.domain.accounts import User


class UserDirectory(Protocol):
    """A memory provider's own record of our users (Zep users, Mem0 entities).

    Contract: every call is idempotent (safe to retry): ``upsert_user`` creates the user or
    updates its profile (email, first and last name, metadata); ``delete_user`` removes the
    user and everything the provider holds for them, and succeeds when already gone.
    """

    async def upsert_user(self, user: User) -> None:
        """Create or update the provider's user."""
        ...

    async def delete_user(self, user_id: str) -> None:
        """Forget the user and all their data at the provider."""
        ...


class ProviderLinks(Protocol):
    """Our ids next to a provider's ids (e.g. a Zep user or thread UUID).

    Contract: ``put`` is idempotent (a second put of the same key overwrites); ``get``
    returns None for an unknown key; ``forget_user`` drops every link of the user at
    that provider.
    """

    async def get(self, provider: str, kind: str, user_id: str, local_id: str) -> str | None:
        """The provider's id for our ``local_id`` of ``kind`` ("user", "thread"…)."""
        ...

    async def put(
        self, provider: str, kind: str, user_id: str, local_id: str, remote_id: str
    ) -> None:
        """Remember the provider's id."""
        ...

    async def forget_user(self, provider: str, user_id: str) -> None:
        """Drop the user's links at the provider."""
        ...
