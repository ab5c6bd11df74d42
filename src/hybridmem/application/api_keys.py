"""API keys: create (the secret shown once), list, revoke, and authenticate by key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from hybridmem.application.principals import INVALID_TOKEN, Principal
from hybridmem.domain.api_keys import (
    KEY_RANDOM_BYTES,
    LAST_USED_RESOLUTION,
    MAX_KEYS_PER_USER,
    ApiKey,
    NewApiKey,
    display_prefix,
    hash_key,
    is_well_formed_key,
    key_from_random,
    use_is_worth_recording,
    validate_key_name,
)
from hybridmem.domain.errors import Unauthenticated
from hybridmem.ports.api_keys import ApiKeyRepository
from hybridmem.ports.system import Clock, Ids


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    """A new key and its secret: the only time the secret exists outside the caller."""

    key: ApiKey
    secret: str


class ApiKeyService:
    """The keys of signed-in users, and the check of a key on every request.

    Only a signed-in session (a token) may create or revoke keys; a key may list them.
    Secrets are drawn from ``secrets`` (the OS's CSPRNG) and only their SHA-256 is
    stored, so the table never holds a usable credential.
    """

    def __init__(
        self,
        *,
        keys: ApiKeyRepository,
        ids: Ids,
        clock: Clock,
        max_keys_per_user: int = MAX_KEYS_PER_USER,
    ) -> None:
        self._keys = keys
        self._ids = ids
        self._clock = clock
        self._max_keys = max_keys_per_user

    async def create(self, principal: Principal, *, name: str, read_only: bool) -> CreatedApiKey:
        """Make a key for the caller's account; the secret is returned once."""
        principal.require_session("creating an API key")
        secret = key_from_random(secrets.token_urlsafe(KEY_RANDOM_BYTES))
        key = await self._keys.add(
            NewApiKey(
                key_id=self._ids.new_id("key_"),
                user_id=principal.user_id,
                account_id=principal.account.account_id,
                name=validate_key_name(name),
                prefix=display_prefix(secret),
                secret_hash=hash_key(secret),
                read_only=read_only,
            ),
            max_keys=self._max_keys,
        )
        return CreatedApiKey(key=key, secret=secret)

    async def list(self, principal: Principal) -> list[ApiKey]:
        """The caller's keys, oldest first (never their secrets)."""
        return await self._keys.list(principal.user_id)

    async def revoke(self, principal: Principal, key_id: str) -> None:
        """Revoke one of the caller's keys at once; NotFound for anyone else's."""
        principal.require_session("revoking an API key")
        await self._keys.revoke(principal.user_id, key_id)

    async def authenticate(self, credential: str) -> Principal:
        """The caller a key stands for; Unauthenticated (the token failure's message) for
        a malformed, unknown or revoked key, or one of a deleted account."""
        if not is_well_formed_key(credential):
            raise Unauthenticated(INVALID_TOKEN)
        # Looked up by the hash, never compared secret by secret: how long the index
        # search takes depends on the SHA-256 of what was sent, which a guesser cannot
        # steer towards a stored one, so timing reveals nothing about real keys.
        found = await self._keys.find(hash_key(credential))
        if found is None:
            raise Unauthenticated(INVALID_TOKEN)
        key, account = found
        now = self._clock.now()
        if use_is_worth_recording(key.last_used_at, now):
            await self._keys.record_use(key.key_id, now, not_before=now - LAST_USED_RESOLUTION)
        return Principal(account=account, api_key=key)
