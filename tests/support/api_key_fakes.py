"""ApiKeyRepository in memory: a full implementation, held to the same contract suite as
the PostgreSQL adapter (tests/contract/test_api_key_ports.py)."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import datetime, timedelta

from hybridmem.domain.accounts import AccountIdentity
from hybridmem.domain.api_keys import ApiKey, NewApiKey, too_many_keys
from hybridmem.domain.errors import Conflict, NotFound
from tests.support.fakes import FrozenClock, InMemoryUsers


class InMemoryApiKeys:
    """Keys in dicts, by id and by secret hash; registered as a dependent of the users
    fake, so deleting a user deletes the user's keys (PostgreSQL's cascade)."""

    def __init__(self, users: InMemoryUsers, clock: FrozenClock | None = None) -> None:
        self._users = users
        self._clock = clock or FrozenClock()
        self._keys: dict[str, ApiKey] = {}
        self._hashes: dict[str, str] = {}  # secret hash -> key id
        self._lock = asyncio.Lock()
        self._tick = itertools.count()
        users.dependents.append(self)

    def forget_user(self, user_id: str) -> None:
        """Drop the user's keys (the account was deleted)."""
        for key_id in [k.key_id for k in self._keys.values() if k.user_id == user_id]:
            self._drop(key_id)

    def _drop(self, key_id: str) -> None:
        del self._keys[key_id]
        for secret_hash in [h for h, kid in self._hashes.items() if kid == key_id]:
            del self._hashes[secret_hash]

    async def _current_identity(self, user_id: str) -> AccountIdentity | None:
        try:
            return await self._users.identity(user_id)
        except NotFound:
            return None

    async def add(self, key: NewApiKey, *, max_keys: int) -> ApiKey:
        async with self._lock:
            identity = await self._current_identity(key.user_id)
            if identity is None or identity.account_id != key.account_id:
                raise NotFound("user not found")
            if sum(k.user_id == key.user_id for k in self._keys.values()) >= max_keys:
                raise too_many_keys(max_keys)
            if key.key_id in self._keys or key.secret_hash in self._hashes:
                raise Conflict("this API key exists already")
            stored = ApiKey(
                key_id=key.key_id,
                user_id=key.user_id,
                account_id=key.account_id,
                name=key.name,
                prefix=key.prefix,
                read_only=key.read_only,
                # distinct times even under a frozen clock, as clock_timestamp() gives
                created_at=self._clock.now() + timedelta(microseconds=next(self._tick)),
                last_used_at=None,
            )
            self._keys[key.key_id] = stored
            self._hashes[key.secret_hash] = key.key_id
            return stored

    async def list(self, user_id: str) -> list[ApiKey]:
        mine = [k for k in self._keys.values() if k.user_id == user_id]
        return sorted(mine, key=lambda k: (k.created_at, k.key_id))

    async def find(self, secret_hash: str) -> tuple[ApiKey, AccountIdentity] | None:
        key_id = self._hashes.get(secret_hash)
        if key_id is None:
            return None
        key = self._keys[key_id]
        identity = await self._current_identity(key.user_id)
        if identity is None or identity.account_id != key.account_id:
            return None
        return key, identity

    async def revoke(self, user_id: str, key_id: str) -> None:
        async with self._lock:
            key = self._keys.get(key_id)
            if key is None or key.user_id != user_id:
                raise NotFound("API key not found")
            self._drop(key_id)

    async def record_use(self, key_id: str, used_at: datetime, *, not_before: datetime) -> None:
        key = self._keys.get(key_id)
        if key is not None and (key.last_used_at is None or key.last_used_at < not_before):
            self._keys[key_id] = replace(key, last_used_at=used_at)
