"""Contract of UserRepository, SessionRepository, TokenRevocations and LoginThrottle."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hybridmem.domain.accounts import MetadataPatch, NewUser, ProfileChange
from hybridmem.domain.errors import Conflict, InvalidInput, NotFound, RateLimited


def new_user(user_id: str, email: str | None = None, **extra) -> NewUser:
    return NewUser(
        user_id=user_id, email=email or f"{user_id}@example.com", password_hash="hash", **extra
    )


async def test_add_get_and_credentials(stores):
    added = await stores.users.add(new_user("u1", "U1@Example.com", first_name="Ada"))
    assert added.email == "U1@Example.com"
    assert (await stores.users.get("u1")) == added
    by_email = await stores.users.find_credentials(email="u1@example.com", user_id=None)
    by_id = await stores.users.find_credentials(email=None, user_id="u1")
    assert by_email.user_id == by_id.user_id == "u1"
    assert by_email.password_hash == "hash"
    assert await stores.users.find_credentials(email="nobody@example.com", user_id=None) is None


async def test_duplicates_conflict_even_when_racing(stores):
    await stores.users.add(new_user("u1"))
    with pytest.raises(Conflict):
        await stores.users.add(new_user("u1", "other@example.com"))
    with pytest.raises(Conflict):
        await stores.users.add(new_user("u2", "U1@EXAMPLE.COM"))
    results = await asyncio.gather(
        *(stores.users.add(new_user(f"r{i}", "race@example.com")) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))


async def test_update_merges_metadata(stores):
    await stores.users.add(new_user("u1", metadata={"a": 1, "b": 2}))
    updated = await stores.users.update(
        "u1",
        ProfileChange(last_name="L", metadata=MetadataPatch.from_request({"a": None, "c": 3})),
    )
    assert updated.metadata == {"b": 2, "c": 3}
    assert updated.last_name == "L"
    assert updated.updated_at >= updated.created_at
    with pytest.raises(NotFound):
        await stores.users.update("ghost", ProfileChange(about="x"))


async def test_delete_cascades_to_sessions(stores):
    await stores.users.add(new_user("u1"))
    await stores.sessions.start("u1", "s", {})
    await stores.users.delete("u1")
    with pytest.raises(NotFound):
        await stores.users.get("u1")
    with pytest.raises(NotFound):
        await stores.sessions.get("u1", "s")
    with pytest.raises(NotFound):
        await stores.users.delete("u1")


async def test_list_pages_and_filters(stores):
    for i in range(5):
        await stores.users.add(new_user(f"u{i}", metadata={"tier": "gold" if i < 2 else "tin"}))
    first = await stores.users.list(limit=2, cursor=None)
    second = await stores.users.list(limit=2, cursor=first.next_cursor)
    third = await stores.users.list(limit=2, cursor=second.next_cursor)
    ids = [u.user_id for page in (first, second, third) for u in page.items]
    assert ids == ["u0", "u1", "u2", "u3", "u4"]
    assert third.next_cursor is None
    gold = await stores.users.list(limit=10, cursor=None, metadata_filter=("tier", "gold"))
    assert [u.user_id for u in gold.items] == ["u0", "u1"]
    with pytest.raises(InvalidInput):
        await stores.users.list(limit=2, cursor="nonsense")


async def test_sessions_are_scoped_per_user(stores):
    await stores.users.add(new_user("a"))
    await stores.users.add(new_user("b"))
    created, was_created = await stores.sessions.start("a", "s", {"k": 1})
    assert was_created
    again, was_created = await stores.sessions.start("a", "s", {"j": 2})
    assert not was_created
    assert again.metadata == {"k": 1, "j": 2}
    assert again.created_at == created.created_at
    _, b_created = await stores.sessions.start("b", "s", {})
    assert b_created
    with pytest.raises(NotFound):
        await stores.sessions.get("a", "missing")


async def test_soft_delete_restore_and_purge(stores):
    await stores.users.add(new_user("a"))
    await stores.sessions.start("a", "s", {})
    await stores.sessions.delete("a", "s")
    with pytest.raises(NotFound):
        await stores.sessions.get("a", "s")
    with pytest.raises(NotFound):
        await stores.sessions.update_metadata("a", "s", MetadataPatch.from_request({"x": 1}))
    assert (await stores.sessions.list("a", limit=10, cursor=None)).items == []
    restored, created = await stores.sessions.start("a", "s", {})
    assert not created
    assert restored.deleted_at is None
    await stores.sessions.delete("a", "s")
    assert await stores.sessions.purge(stores.clock.now() - timedelta(days=1)) == 0
    assert await stores.sessions.purge(stores.clock.now() + timedelta(days=365)) == 1


async def test_revocations(stores):
    now = stores.clock.now()
    await stores.revocations.revoke("j1", "u", now + timedelta(minutes=5))
    await stores.revocations.revoke("j1", "u", now + timedelta(minutes=5))
    await stores.revocations.revoke("j2", "u", now - timedelta(minutes=5))
    assert await stores.revocations.is_revoked("j1")
    assert not await stores.revocations.is_revoked("j3")
    assert await stores.revocations.purge_expired(now) == 1
    assert await stores.revocations.is_revoked("j1")


async def test_throttle_locks_after_failures_and_resets_on_success(stores):
    throttle = stores.throttle
    await throttle.check("id:x")
    for _ in range(2):
        await throttle.record_failure("id:x")
    await throttle.check("id:x")
    await throttle.record_success("id:x")
    for _ in range(3):
        await throttle.record_failure("id:x")
    with pytest.raises(RateLimited) as locked:
        await throttle.check("id:x")
    assert 0 < locked.value.retry_after <= 300
    await throttle.check("id:other")
    stores.clock.advance(minutes=6)
    await throttle.check("id:x")


async def test_throttle_window_expires(stores):
    throttle = stores.throttle
    for _ in range(2):
        await throttle.record_failure("id:y")
    stores.clock.advance(minutes=16)
    await throttle.record_failure("id:y")
    await throttle.check("id:y")
    stores.clock.advance(minutes=16)
    assert await throttle.purge_stale(stores.clock.now()) == 1
