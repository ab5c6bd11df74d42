"""API keys on the fakes: made by a session, shown once, stored hashed, authenticating
through the one bearer resolution, refused at once when revoked or when the account goes."""

from __future__ import annotations

import pytest

from hybridmem.application.accounts import INVALID_TOKEN, AccountService, Principal, Signup
from hybridmem.application.api_keys import ApiKeyService
from hybridmem.domain.api_keys import hash_key
from hybridmem.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from tests.support.api_key_fakes import InMemoryApiKeys
from tests.unit.application.conftest import account_service

PASSWORD = "correct horse battery staple"


@pytest.fixture
def key_store(world, clock) -> InMemoryApiKeys:
    return InMemoryApiKeys(world.users, clock)


@pytest.fixture
def keys(key_store, world, clock) -> ApiKeyService:
    return ApiKeyService(keys=key_store, ids=world.ids, clock=clock, max_keys_per_user=3)


@pytest.fixture
def accounts(world, clock, keys) -> AccountService:
    return account_service(world, clock, api_keys=keys)


async def session_of(accounts: AccountService, user_id: str) -> Principal:
    await accounts.signup(
        Signup(email=f"{user_id}@example.com", password=PASSWORD, user_id=user_id)
    )
    issued = await accounts.login(user_id=user_id, password=PASSWORD)
    return await accounts.authenticate(issued.token)


async def test_a_key_is_shown_once_stored_hashed_and_authenticates(accounts, keys, key_store):
    session = await session_of(accounts, "ada")
    assert session.can_write
    assert session.claims is not None
    created = await keys.create(session, name="  laptop  ", read_only=False)
    assert created.secret.startswith("hm_")
    assert len(created.secret) == 46
    assert created.key.name == "laptop"
    assert created.key.prefix == created.secret[:11]
    stored = await key_store.find(hash_key(created.secret))
    assert stored is not None
    assert created.secret not in repr(stored)
    principal = await accounts.authenticate(created.secret)
    assert principal.user_id == "ada"
    assert principal.api_key is not None
    assert principal.claims is None
    assert principal.can_write
    listed = await keys.list(principal)
    assert [k.key_id for k in listed] == [created.key.key_id]
    assert listed[0].last_used_at is not None


async def test_read_only_keys_cannot_write(accounts, keys):
    session = await session_of(accounts, "ada")
    created = await keys.create(session, name="reader", read_only=True)
    principal = await accounts.authenticate(created.secret)
    assert not principal.can_write
    with pytest.raises(Forbidden) as refused:
        principal.require_write()
    assert refused.value.details == {"rule": "read_only_key"}


async def test_keys_cannot_manage_keys_sessions_or_the_password(accounts, keys):
    session = await session_of(accounts, "ada")
    created = await keys.create(session, name="script", read_only=False)
    by_key = await accounts.authenticate(created.secret)
    for attempt in (
        keys.create(by_key, name="another", read_only=False),
        keys.revoke(by_key, created.key.key_id),
        accounts.logout(by_key),
        accounts.logout_everywhere(by_key),
        accounts.change_password(by_key, current_password=PASSWORD, new_password="x" * 20),
    ):
        with pytest.raises(Forbidden) as refused:
            await attempt
        assert refused.value.details == {"rule": "session_required"}
    # logging out everywhere with the session leaves the key working
    await accounts.logout_everywhere(session)
    assert (await accounts.authenticate(created.secret)).user_id == "ada"


async def test_revoked_and_deleted_account_keys_fail_like_bad_tokens(accounts, keys):
    session = await session_of(accounts, "ada")
    first = await keys.create(session, name="one", read_only=False)
    second = await keys.create(session, name="two", read_only=True)
    await keys.revoke(session, first.key.key_id)
    with pytest.raises(Unauthenticated) as refused:
        await accounts.authenticate(first.secret)
    assert str(refused.value) == INVALID_TOKEN
    await accounts.delete_account("ada")
    await session_of(accounts, "ada")  # the same user id, another account
    for secret in (second.secret, "hm_short", "hm_" + "A" * 43, "not-a-token"):
        with pytest.raises(Unauthenticated) as refused:
            await accounts.authenticate(secret)
        assert str(refused.value) == INVALID_TOKEN


async def test_another_users_key_is_not_found_and_limits_hold(accounts, keys):
    ada = await session_of(accounts, "ada")
    bob = await session_of(accounts, "bob")
    adas = await keys.create(ada, name="mine", read_only=False)
    with pytest.raises(NotFound):
        await keys.revoke(bob, adas.key.key_id)
    assert await keys.list(bob) == []
    for name in ("", "   ", "tab\there", "x" * 101, "\ud800"):
        with pytest.raises(InvalidInput):
            await keys.create(ada, name=name, read_only=False)
    await keys.create(ada, name="two", read_only=False)
    await keys.create(ada, name="three", read_only=False)
    with pytest.raises(Conflict):
        await keys.create(ada, name="four", read_only=False)


async def test_last_used_is_written_at_most_once_a_minute(accounts, keys, clock):
    session = await session_of(accounts, "ada")
    created = await keys.create(session, name="busy", read_only=False)
    await accounts.authenticate(created.secret)
    first_use = (await keys.list(session))[0].last_used_at
    clock.advance(seconds=30)
    await accounts.authenticate(created.secret)
    assert (await keys.list(session))[0].last_used_at == first_use
    clock.advance(seconds=31)
    await accounts.authenticate(created.secret)
    assert (await keys.list(session))[0].last_used_at == clock.now()
