"""Mem0's record of our users: user entities, created implicitly by Mem0."""

from __future__ import annotations

from hybridmem.adapters.mem0.client import UPSTREAM, Mem0Client
from hybridmem.domain.accounts import User
from hybridmem.domain.errors import InvalidInput
from hybridmem.ports.providers import ProviderLinks


class Mem0UserDirectory:
    """``UserDirectory`` on Mem0 Platform."""

    def __init__(self, client: Mem0Client, *, links: ProviderLinks | None = None) -> None:
        self._client = client
        self._links = links

    async def upsert_user(self, user: User) -> None:
        """Nothing to send: Mem0 creates the user entity with its first memory, and no
        Mem0 feature uses a profile, so the email and names stay with us."""
        return None

    async def delete_user(self, user_id: str) -> None:
        """Delete every memory of the user, then the user entity (both queued at Mem0;
        404s count as already gone), then our links to the user's memories."""
        if not user_id or "*" in user_id:
            # "*" is Mem0's wildcard: user_id=* would delete every user's memories.
            raise InvalidInput("invalid user id", details={"field": "user_id"})
        await self._client.delete_user_memories(user_id)
        await self._client.delete_entity("user", user_id)
        if self._links is not None:
            await self._links.forget_user(UPSTREAM, user_id)
