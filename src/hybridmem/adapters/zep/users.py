"""Zep users: our user id is Zep's ``user_id``; Zep's own UUID (which every other v4 call
takes, and which doubles as the user graph's id) is remembered in ``ProviderLinks``."""

from __future__ import annotations

import contextlib
from typing import Any

from hybridmem.adapters.zep.client import UPSTREAM, Json, ZepClient, derived_key, digest, segment
from hybridmem.domain.accounts import User
from hybridmem.domain.errors import Conflict, NotFound, UpstreamUnavailable
from hybridmem.ports.providers import ProviderLinks

PROVIDER = "zep"
USER_LINK = "user"


def _uuid_of(body: Json) -> str:
    value = body.get("uuid")
    if not isinstance(value, str) or not value:
        raise UpstreamUnavailable("zep answered without a uuid", upstream=UPSTREAM)
    return value


def profile(user: User) -> Json:
    """The profile fields Zep keeps (unset ones omitted, as the SDK does)."""
    fields: dict[str, Any] = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "metadata": dict(user.metadata) if user.metadata else None,
    }
    return {key: value for key, value in fields.items() if value is not None}


class ZepUsers:
    """Resolves our user ids to Zep user UUIDs (links first, then Zep), creating the user
    when a write needs one. Shared by the Zep adapters; not a port."""

    def __init__(self, client: ZepClient, links: ProviderLinks) -> None:
        self._client = client
        self._links = links

    async def linked(self, user_id: str) -> str | None:
        """The remembered UUID, without asking Zep."""
        return await self._links.get(PROVIDER, USER_LINK, user_id, user_id)

    async def lookup(self, user_id: str) -> str | None:
        """Zep's UUID for our user id (``users/lookup``), None when Zep has no such user."""
        try:
            found = await self._client.read("users/lookup", {"user_id": user_id})
        except NotFound:
            return None
        return _uuid_of(found)

    async def known(self, user_id: str) -> str | None:
        """The UUID of an existing Zep user (remembered once found), or None."""
        remote = await self.linked(user_id)
        if remote is None:
            remote = await self.lookup(user_id)
            if remote is not None:
                await self.remember(user_id, remote)
        return remote

    async def ensure(self, user_id: str, *, stale: str | None = None) -> str:
        """The UUID of the Zep user, created with just its id when Zep has none.

        ``stale`` is a remembered UUID that turned out to be deleted at Zep: the link is
        skipped and a creation gets a key of its own (the old one would replay the
        deleted user).
        """
        remote = await self.known(user_id) if stale is None else await self.lookup(user_id)
        if remote is None:
            stamp = "bare" if stale is None else f"replacing:{stale}"
            remote, _ = await self.create(user_id, {"user_id": user_id}, stamp=stamp)
        await self.remember(user_id, remote)
        return remote

    async def create(self, user_id: str, body: Json, *, stamp: str) -> tuple[str, bool]:
        """Create the Zep user; when it exists already (409), find it instead. Returns
        the UUID and whether this call created the user.

        ``stamp`` tells incarnations of an account apart, so a re-created account does
        not replay the creation of a deleted one.
        """
        try:
            created = await self._client.write(
                "POST", "users", body, key=derived_key("user.create", user_id, stamp, digest(body))
            )
        except Conflict:
            remote = await self.lookup(user_id)
            if remote is None:
                # 409 without a user: another request with our key is still in flight.
                raise UpstreamUnavailable(
                    "zep is still creating this user; retry later", upstream=UPSTREAM
                ) from None
            return remote, False
        return _uuid_of(created), True

    async def update(self, remote: str, changes: Json, *, stamp: str) -> None:
        """Patch the Zep user (a NotFound means the link is stale). ``stamp`` (the
        profile's version) keeps a later change back to old values from replaying."""
        await self._client.write(
            "PATCH",
            f"users/{segment(remote)}",
            changes,
            key=derived_key("user.update", remote, stamp, digest(changes)),
        )

    async def remember(self, user_id: str, remote: str) -> None:
        """Store the link (an idempotent overwrite)."""
        await self._links.put(PROVIDER, USER_LINK, user_id, user_id, remote)


class ZepUserDirectory:
    """``UserDirectory`` on Zep users (``POST users``, ``PATCH users/{uuid}``,
    ``POST users/lookup``, ``DELETE users/{uuid}``)."""

    def __init__(self, client: ZepClient, links: ProviderLinks) -> None:
        self._client = client
        self._links = links
        self._users = ZepUsers(client, links)

    async def upsert_user(self, user: User) -> None:
        """Create the Zep user, or update its profile when Zep has it already."""
        changes = profile(user)
        version = user.updated_at.isoformat()
        stamp = user.created_at.isoformat()
        linked = await self._users.linked(user.user_id)
        if linked is not None:
            try:
                await self._users.update(linked, changes, stamp=version)
            except NotFound:
                # Deleted at Zep behind our back: create it again, under a key of its own
                # (the first creation's key would replay the deleted user).
                stamp += f":replacing:{linked}"
            else:
                return
        body = {"user_id": user.user_id, **changes}
        remote, created = await self._users.create(user.user_id, body, stamp=stamp)
        if not created and changes:
            await self._users.update(remote, changes, stamp=version)
        await self._users.remember(user.user_id, remote)

    async def delete_user(self, user_id: str) -> None:
        """Delete the Zep user (its threads and graph go with it); gone already is fine."""
        remote = await self._users.linked(user_id) or await self._users.lookup(user_id)
        if remote is not None:
            # A 404 means the user is gone already: the goal is reached.
            with contextlib.suppress(NotFound):
                await self._client.delete(
                    f"users/{segment(remote)}", key=derived_key("user.delete", remote)
                )
        await self._links.forget_user(PROVIDER, user_id)
