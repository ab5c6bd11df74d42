"""Contract of ApiKeyRepository, on PostgreSQL (server and embedded) and the fake."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hybridmem.domain.accounts import NewUser
from hybridmem.domain.api_keys import NewApiKey, display_prefix, hash_key, key_from_random
from hybridmem.domain.errors import Conflict, NotFound


async def account(stores, user_id: str) -> str:
    """Add a user; return its account id."""
    await stores.users.add(
        NewUser(user_id=user_id, email=f"{user_id}@example.com", password_hash="hash")
    )
    return (await stores.users.identity(user_id)).account_id


def new_key(user_id: str, account_id: str, n: int, *, read_only: bool = False) -> NewApiKey:
    secret = key_from_random(f"{user_id}{n}".ljust(43, "x")[:43])
    return NewApiKey(
        key_id=f"key_{user_id}_{n}",
        user_id=user_id,
        account_id=account_id,
        name=f"key {n}",
        prefix=display_prefix(secret),
        secret_hash=hash_key(secret),
        read_only=read_only,
    )


async def test_add_list_and_find(stores):
    acc = await account(stores, "u1")
    other = await account(stores, "u2")
    first = await stores.api_keys.add(new_key("u1", acc, 1, read_only=True), max_keys=5)
    second = await stores.api_keys.add(new_key("u1", acc, 2), max_keys=5)
    await stores.api_keys.add(new_key("u2", other, 1), max_keys=5)
    assert first.read_only
    assert not second.read_only
    assert first.last_used_at is None
    assert first.account_id == acc
    assert first.prefix == new_key("u1", acc, 1).prefix
    assert [k.key_id for k in await stores.api_keys.list("u1")] == ["key_u1_1", "key_u1_2"]
    assert await stores.api_keys.list("nobody") == []
    found = await stores.api_keys.find(new_key("u1", acc, 2).secret_hash)
    assert found is not None
    key, identity = found
    assert key == second
    assert (identity.user_id, identity.account_id) == ("u1", acc)
    assert await stores.api_keys.find(hash_key("hm_" + "z" * 43)) is None


async def test_add_needs_the_current_account_instance(stores):
    acc = await account(stores, "u1")
    with pytest.raises(NotFound):
        await stores.api_keys.add(new_key("ghost", acc, 1), max_keys=5)
    stale = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFound):
        await stores.api_keys.add(new_key("u1", stale, 1), max_keys=5)
    assert await stores.api_keys.list("u1") == []


async def test_the_key_limit_holds_under_racing_adds(stores):
    acc = await account(stores, "u1")
    results = await asyncio.gather(
        *(stores.api_keys.add(new_key("u1", acc, n), max_keys=3) for n in range(8)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 5
    assert all(isinstance(r, Conflict) and r.details["rule"] == "too_many_keys" for r in refused)
    assert len(await stores.api_keys.list("u1")) == 3


async def test_revoke_is_immediate_and_scoped_to_the_owner(stores):
    acc = await account(stores, "u1")
    await account(stores, "u2")
    made = new_key("u1", acc, 1)
    await stores.api_keys.add(made, max_keys=5)
    with pytest.raises(NotFound):
        await stores.api_keys.revoke("u2", made.key_id)
    assert await stores.api_keys.find(made.secret_hash) is not None
    await stores.api_keys.revoke("u1", made.key_id)
    assert await stores.api_keys.find(made.secret_hash) is None
    assert await stores.api_keys.list("u1") == []
    with pytest.raises(NotFound):
        await stores.api_keys.revoke("u1", made.key_id)


async def test_deleting_the_account_deletes_its_keys(stores):
    acc = await account(stores, "u1")
    made = new_key("u1", acc, 1)
    await stores.api_keys.add(made, max_keys=5)
    await stores.users.delete("u1")
    assert await stores.api_keys.find(made.secret_hash) is None
    # a new account under the same user id holds none of the old keys
    await account(stores, "u1")
    assert await stores.api_keys.find(made.secret_hash) is None
    assert await stores.api_keys.list("u1") == []


async def test_record_use_writes_at_most_once_per_period(stores):
    acc = await account(stores, "u1")
    made = new_key("u1", acc, 1)
    await stores.api_keys.add(made, max_keys=5)
    now = stores.clock.now()
    minute = timedelta(minutes=1)
    await stores.api_keys.record_use(made.key_id, now, not_before=now - minute)
    later = now + timedelta(seconds=10)
    await stores.api_keys.record_use(made.key_id, later, not_before=later - minute)
    (key,) = await stores.api_keys.list("u1")
    assert key.last_used_at == now
    much_later = now + timedelta(minutes=2)
    await stores.api_keys.record_use(made.key_id, much_later, not_before=much_later - minute)
    found = await stores.api_keys.find(made.secret_hash)
    assert found is not None
    assert found[0].last_used_at == much_later
    await stores.api_keys.record_use("key_unknown", now, not_before=now - minute)
