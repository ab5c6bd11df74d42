"""Contract of UserRepository, SessionRepository, TokenRevocations and LoginThrottle."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from hybridmem.domain.accounts import LoginSubject, MetadataPatch, NewUser, ProfileChange
from hybridmem.domain.errors import Conflict, InvalidInput, NotFound, RateLimited
from hybridmem.domain.jobs import NewJob


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


async def test_delete_drops_the_users_jobs_and_enqueues_its_follow_ups(stores):
    await stores.users.add(new_user("u1"))
    await stores.users.add(new_user("u2"))
    await stores.outbox.enqueue(
        [NewJob(kind="k", user_id=u, idempotency_key=f"k:{u}") for u in ("u1", "u2")]
    )
    follow_up = NewJob(kind="provider.user_delete", user_id="u1", idempotency_key="bye:u1")
    with pytest.raises(NotFound):
        await stores.users.delete("ghost", follow_up=[follow_up])
    assert await stores.outbox.pending_count() == 2
    await stores.users.delete("u1", follow_up=[follow_up])
    claimed = await stores.outbox.claim(limit=10, lease=timedelta(minutes=1))
    assert sorted(job.idempotency_key for job in claimed) == ["bye:u1", "k:u2"]


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


X = LoginSubject(key="id:x")


async def test_throttle_locks_after_the_budget_and_resets_on_success(stores):
    throttle = stores.throttle
    for _ in range(2):
        await throttle.attempt(X)
    await throttle.succeeded(X)
    for _ in range(3):  # the budget: the third attempt may still run, and starts a lockout
        await throttle.attempt(X)
    with pytest.raises(RateLimited) as locked:
        await throttle.attempt(X)
    assert 0 < locked.value.retry_after <= 300
    await throttle.attempt(LoginSubject(key="id:other"))
    stores.clock.advance(minutes=6)
    await throttle.attempt(X)


async def test_throttle_window_expires(stores):
    throttle = stores.throttle
    subject = LoginSubject(key="id:y")
    for _ in range(2):
        await throttle.attempt(subject)
    stores.clock.advance(minutes=16)
    await throttle.attempt(subject)
    await throttle.attempt(subject)
    stores.clock.advance(minutes=16)
    assert await throttle.purge_stale(stores.clock.now()) == 1


async def test_concurrent_attempts_cannot_exceed_the_budget(stores):
    results = await asyncio.gather(
        *(stores.throttle.attempt(LoginSubject(key="id:racer")) for _ in range(12)),
        return_exceptions=True,
    )
    assert sum(result is None for result in results) == 3
    assert all(isinstance(r, RateLimited) for r in results if r is not None)


async def test_account_binding_is_new_for_every_account(stores):
    await stores.users.add(new_user("u1", first_name="Ada"))
    first = await stores.users.identity("u1")
    assert (first.user_id, first.token_generation, first.is_admin) == ("u1", 0, False)
    assert first.display_name == "Ada"
    credentials = await stores.users.find_credentials(email=None, user_id="u1")
    assert (credentials.account_id, credentials.token_generation) == (first.account_id, 0)
    await stores.users.delete("u1")
    with pytest.raises(NotFound):
        await stores.users.identity("u1")
    await stores.users.add(new_user("u1"))
    assert (await stores.users.identity("u1")).account_id != first.account_id


async def test_revoking_all_tokens_and_changing_the_password_raise_the_generation(stores):
    await stores.users.add(new_user("u1"))
    account_id = (await stores.users.identity("u1")).account_id
    assert await stores.users.revoke_all_tokens("u1", account_id) == 1
    assert await stores.users.change_password("u1", account_id, "new hash") == 2
    credentials = await stores.users.find_credentials(email=None, user_id="u1")
    assert (credentials.password_hash, credentials.token_generation) == ("new hash", 2)
    assert (await stores.users.identity("u1")).token_generation == 2
    other = "00000000-0000-4000-8000-000000000000"
    for call in (
        stores.users.revoke_all_tokens("u1", other),
        stores.users.change_password("u1", other, "x"),
        stores.users.revoke_all_tokens("ghost", account_id),
    ):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(NotFound):
        await stores.users.delete("u1", account_id=other)
    await stores.users.delete("u1", account_id=account_id)


async def test_deleting_an_account_deletes_its_login_counters(stores):
    await stores.users.add(new_user("u1"))
    credentials = await stores.users.find_credentials(email=None, user_id="u1")
    subject = LoginSubject.for_account(credentials)
    for _ in range(3):
        await stores.throttle.attempt(subject)
    with pytest.raises(RateLimited):
        await stores.throttle.attempt(subject)
    await stores.users.delete("u1")
    await stores.throttle.attempt(subject)  # nothing of the account is left
    assert await stores.throttle.purge_stale(stores.clock.now() + timedelta(days=1)) == 1


async def test_merged_metadata_over_the_cap_changes_nothing(stores):
    await stores.users.add(new_user("u1", metadata={"a": "x" * 9000}))
    with pytest.raises(InvalidInput) as refused:
        await stores.users.update(
            "u1",
            ProfileChange(about="new", metadata=MetadataPatch.from_request({"b": "y" * 9000})),
        )
    assert refused.value.details["rule"] == "max_bytes"
    kept = await stores.users.get("u1")
    assert (kept.metadata, kept.about) == ({"a": "x" * 9000}, None)
    await stores.sessions.start("u1", "s", {"a": "x" * 9000})
    with pytest.raises(InvalidInput):
        await stores.sessions.update_metadata(
            "u1", "s", MetadataPatch.from_request({"b": "y" * 9000})
        )
    with pytest.raises(InvalidInput):
        await stores.sessions.start("u1", "s", {"c": "z" * 9000})
    assert (await stores.sessions.get("u1", "s")).metadata == {"a": "x" * 9000}


async def test_emails_are_compared_nfkc_normalized(stores):
    await stores.users.add(new_user("u1", "alice@example.com"))
    with pytest.raises(Conflict):
        await stores.users.add(new_user("u2", "ａｌｉｃｅ@EXAMPLE.com"))
    found = await stores.users.find_credentials(email="ａｌｉｃｅ@example.com", user_id=None)
    assert found.user_id == "u1"
