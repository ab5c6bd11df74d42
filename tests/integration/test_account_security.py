"""Attacks on accounts and tokens (issue 10), each refused, over HTTP on real PostgreSQL."""

from __future__ import annotations

import asyncio
import time

import httpx
import jwt
import pytest
from dependency_injector import providers

from tests.conftest import TEST_SECRET_KEY, make_settings, started_app
from tests.support.api import PASSWORD, auth_headers, error_code, login, signup

NEW_PASSWORD = "an entirely new passphrase 7"


def _bearer(response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_tokens_of_a_deleted_account_never_work_for_a_new_account_with_its_id(client):
    # The re-signup attack: the old owner's tokens (a live one and a logged-out one) must
    # not authenticate as whoever signs up next with the same user_id.
    await signup(client, "reused", email="first@example.com")
    live = _bearer(await login(client, "reused"))
    logged_out = _bearer(await login(client, "reused"))
    assert (await client.post("/api/auth/logout", headers=logged_out)).status_code == 204
    assert (await client.delete("/api/users/me", headers=live)).status_code == 204

    created = await signup(client, "reused", email="second@example.com", about="new owner")
    assert created.status_code == 201
    new_owner = _bearer(await login(client, "reused"))
    await client.post("/api/session/start", headers=new_owner, json={"session_id": "private"})

    for old in (live, logged_out):
        for path in ("/api/users/me", "/api/history?session_id=private", "/api/users/me/sessions"):
            response = await client.get(path, headers=old)
            assert response.status_code == 401, (path, response.text)
    assert (await client.get("/api/users/me", headers=new_owner)).json()["about"] == "new owner"


async def test_password_change_revokes_every_older_token(client):
    await signup(client, "changer")
    first = _bearer(await login(client, "changer"))
    second = _bearer(await login(client, "changer"))
    wrong = await client.post(
        "/api/auth/password",
        headers=first,
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["details"] == {"field": "current_password"}
    changed = await client.post(
        "/api/auth/password",
        headers=first,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    fresh = _bearer(changed)
    for old in (first, second):
        assert (await client.get("/api/users/me", headers=old)).status_code == 401
    assert (await client.get("/api/users/me", headers=fresh)).status_code == 200
    assert (await login(client, "changer")).status_code == 401
    assert (await login(client, "changer", NEW_PASSWORD)).status_code == 200


async def test_new_password_follows_the_policy(client):
    headers = await auth_headers(client, "policy")
    response = await client.post(
        "/api/auth/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": "password1"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == {"field": "new_password", "rule": "common"}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200


async def test_logout_everywhere_revokes_every_token_of_the_account(client):
    await signup(client, "everywhere")
    tokens = [_bearer(await login(client, "everywhere")) for _ in range(3)]
    assert (await client.post("/api/auth/logout-all", headers=tokens[0])).status_code == 204
    for old in tokens:
        assert (await client.get("/api/users/me", headers=old)).status_code == 401
    again = _bearer(await login(client, "everywhere"))
    assert (await client.get("/api/users/me", headers=again)).status_code == 200


async def test_email_user_id_and_form_logins_share_one_budget(client):
    # test settings: 3 failures lock the account
    await signup(client, "budget", email="budget@example.com")
    wrong = "not the password"
    by_email = await client.post(
        "/api/auth/login", json={"email": "budget@example.com", "password": wrong}
    )
    by_id = await login(client, "budget", wrong)
    by_form = await client.post("/api/auth/login", data={"username": "budget", "password": wrong})
    assert [r.status_code for r in (by_email, by_id, by_form)] == [401, 401, 401]
    for attempt in (
        client.post("/api/auth/login", json={"email": "BUDGET@example.com", "password": PASSWORD}),
        client.post("/api/auth/login", data={"username": "budget@example.com", "password": wrong}),
        login(client, "budget"),
    ):
        locked = await attempt
        assert locked.status_code == 429, locked.text
        assert error_code(locked) == "rate_limited"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("password1", "common"),
        ("iloveyou2", "common"),
        ("Password123!", "guessable"),
        ("qwertyuiop12", "common"),
        ("Jennifer1990", "guessable"),
        ("secure-budget-1", "guessable"),  # built from the user id
    ],
)
async def test_common_or_guessable_passwords_are_refused_naming_the_rule(client, password, rule):
    response = await client.post(
        "/api/auth/signup",
        json={"email": "weak@example.com", "user_id": "secure-budget", "password": password},
    )
    assert response.status_code == 422, response.text
    assert error_code(response) == "invalid_input"
    assert response.json()["error"]["details"] == {"field": "password", "rule": rule}


async def test_merged_user_metadata_over_the_cap_is_refused_and_nothing_changes(client):
    headers = await auth_headers(client, "grower", metadata={"a": "x" * 9_000})
    response = await client.patch(
        "/api/users/me", headers=headers, json={"about": "changed", "metadata": {"b": "y" * 9_000}}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["rule"] == "max_bytes"
    me = (await client.get("/api/users/me", headers=headers)).json()
    assert me["metadata"] == {"a": "x" * 9_000}
    assert me["about"] is None
    # replacing or removing keys so the result fits is fine
    fits = await client.patch(
        "/api/users/me", headers=headers, json={"metadata": {"a": None, "b": "y" * 9_000}}
    )
    assert fits.status_code == 200
    assert fits.json()["metadata"] == {"b": "y" * 9_000}


async def test_merged_session_metadata_over_the_cap_is_refused_and_nothing_changes(client):
    headers = await auth_headers(client, "sessiongrower")
    start = {"session_id": "s", "metadata": {"a": "x" * 9_000}}
    assert (await client.post("/api/session/start", headers=headers, json=start)).status_code in (
        200,
        201,
    )
    patched = await client.patch(
        "/api/sessions/s", headers=headers, json={"metadata": {"b": "y" * 9_000}}
    )
    assert patched.status_code == 422, patched.text
    assert patched.json()["error"]["details"]["rule"] == "max_bytes"
    restart = {"session_id": "s", "metadata": {"c": "z" * 9_000}}
    again = await client.post("/api/session/start", headers=headers, json=restart)
    assert again.status_code == 422, again.text
    session = (await client.get("/api/sessions/s", headers=headers)).json()
    assert session["metadata"] == {"a": "x" * 9_000}


async def test_nfkc_look_alike_emails_are_one_account(client):
    assert (await signup(client, "alice", email="alice@example.com")).status_code == 201
    look_alike = await signup(client, "mallory", email="ａｌｉｃｅ@example.com")
    assert look_alike.status_code == 409
    assert look_alike.json()["error"]["details"] == {"field": "email"}
    ligature = await signup(client, "filer", email="ﬁle@example.com")
    assert ligature.status_code == 201
    assert (await signup(client, "filer2", email="file@example.com")).status_code == 409
    by_look_alike = await client.post(
        "/api/auth/login", json={"email": "ａｌｉｃｅ@example.com", "password": PASSWORD}
    )
    assert by_look_alike.status_code == 200
    claims = jwt.decode(by_look_alike.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "alice"


async def test_a_token_without_nbf_is_refused(client):
    await signup(client, "nobefore")
    token = (await login(client, "nobefore")).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert "nbf" in claims
    del claims["nbf"]
    forged = jwt.encode(claims, TEST_SECRET_KEY, algorithm="HS256")
    response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_every_token_failure_gives_the_identical_error(client, clock):
    await signup(client, "victim")
    valid = (await login(client, "victim")).json()["access_token"]
    claims = jwt.decode(valid, options={"verify_signature": False})
    logged_out = _bearer(await login(client, "victim"))
    await client.post("/api/auth/logout", headers=logged_out)
    await signup(client, "everywhere2")
    everywhere = _bearer(await login(client, "everywhere2"))
    await client.post("/api/auth/logout-all", headers=_bearer(await login(client, "everywhere2")))
    await signup(client, "gone")
    gone = _bearer(await login(client, "gone"))
    await client.delete("/api/users/me", headers=_bearer(await login(client, "gone")))
    await signup(client, "gone", email="gone2@example.com")
    expired = jwt.encode(
        {
            **claims,
            "exp": claims["iat"] - 100,
            "iat": claims["iat"] - 200,
            "nbf": claims["iat"] - 200,
        },
        TEST_SECRET_KEY,
        algorithm="HS256",
    )
    attempts: dict[str, dict[str, str]] = {
        "missing": {},
        "garbage": {"Authorization": "Bearer not-a-jwt"},
        "bad signature": {"Authorization": f"Bearer {valid[:-4]}AAAA"},
        "other key": {"Authorization": f"Bearer {jwt.encode(claims, 'k' * 64)}"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "logged out": logged_out,
        "deleted then re-created account": gone,
        "logged out everywhere": everywhere,
        "unknown subject": {
            "Authorization": "Bearer "
            + jwt.encode({**claims, "sub": "nobody-here"}, TEST_SECRET_KEY, algorithm="HS256")
        },
    }
    seen = {}
    for name, headers in attempts.items():
        response = await client.get("/api/users/me", headers=headers)
        assert response.status_code == 401, name
        seen[name] = (response.json(), response.headers.get("www-authenticate"))
    assert len({repr(value) for value in seen.values()}) == 1, seen


async def test_deleting_an_account_leaves_no_login_failure_rows(client, database):
    await signup(client, "forgetme", email="forgetme@example.com")
    headers = _bearer(await login(client, "forgetme"))
    await client.post(
        "/api/auth/login", json={"email": "forgetme@example.com", "password": "x" * 9}
    )
    await login(client, "forgetme", "wrong password")
    async with database.connection() as conn:
        before = await (await conn.execute("SELECT count(*) AS n FROM login_failures")).fetchone()
    assert before["n"] >= 1
    assert (await client.delete("/api/users/me", headers=headers)).status_code == 204
    async with database.connection() as conn:
        after = await (await conn.execute("SELECT count(*) AS n FROM login_failures")).fetchone()
    assert after["n"] == 0


class CountingHasher:
    """The real bcrypt hasher, recording each call and whether it ran inside a slot of
    the app's hashing gate (a full ``PasswordHasher``, delegating to the adapter)."""

    def __init__(self, inner, gate) -> None:
        self._inner = inner
        self._gate = gate
        self.calls: list[tuple[str, bool]] = []

    def _record(self, name: str) -> None:
        self.calls.append((name, self._gate.running >= 1))

    async def hash(self, password):
        self._record("hash")
        return await self._inner.hash(password)

    async def verify(self, password, password_hash):
        self._record("verify")
        return await self._inner.verify(password, password_hash)

    async def burn(self, password):
        self._record("burn")
        await self._inner.burn(password)


def _client_at(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40_000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_an_address_over_its_failure_limit_gets_429_before_any_hashing(
    database, clock, model
):
    from hybridmem.adapters.security.passwords import BcryptPasswordHasher

    made: list[CountingHasher] = []

    def count_hashing(container) -> None:
        made.append(CountingHasher(BcryptPasswordHasher(rounds=4), container.hashing_gate()))
        container.password_hasher.override(providers.Object(made[0]))

    settings = make_settings(login_address_max_failures=5)
    async with (
        started_app(database, clock, settings, model, configure=count_hashing) as app,
        _client_at(app, "198.51.100.7") as attacker,
        _client_at(app, "192.0.2.1") as user,
    ):
        [counting] = made
        assert (await signup(user, "real-user")).status_code == 201
        for i in range(3):  # unknown accounts: one decoy verification each
            response = await attacker.post(
                "/api/auth/login", json={"email": f"nobody{i}@example.com", "password": "guess 1"}
            )
            assert response.status_code == 401
        for _ in range(2):  # a real account, wrong password
            assert (await login(attacker, "real-user", "guess 2")).status_code == 401
        assert [name for name, _ in counting.calls] == ["hash", "burn", "burn", "burn"] + [
            "verify"
        ] * 2
        before = len(counting.calls)
        for attempt in (login(attacker, "real-user"), login(attacker, "someone", "guess")):
            refused = await attempt
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) > 0
        assert len(counting.calls) == before  # refused before any bcrypt work
        assert (await login(user, "real-user")).status_code == 200  # other addresses log in
    assert all(inside for _, inside in counting.calls), counting.calls


class HeldHasher(CountingHasher):
    """Like CountingHasher, but each verification waits until the test lets one through."""

    def __init__(self, inner, gate) -> None:
        super().__init__(inner, gate)
        self.permits = asyncio.Semaphore(0)

    async def verify(self, password, password_hash):
        self._record(f"verify:{password}")
        await self.permits.acquire()
        return await self._inner.verify(password, password_hash)

    async def burn(self, password):
        self._record(f"burn:{password}")
        await self.permits.acquire()
        await self._inner.burn(password)


async def _settle(condition, seconds: float = 60) -> None:
    # requests wait on the database too: poll, bounded generously (no timing assertion)
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


async def test_junk_logins_cannot_queue_unbounded_hashing_work(database, clock, model):
    from hybridmem.adapters.security.passwords import BcryptPasswordHasher

    made: list[HeldHasher] = []

    def hold_hashing(container) -> None:
        made.append(HeldHasher(BcryptPasswordHasher(rounds=4), container.hashing_gate()))
        container.password_hasher.override(providers.Object(made[0]))

    settings = make_settings(
        password_hash_threads=2,
        login_max_queued_suspect=3,
        login_max_failures=100,
        # queued junk must still be queued when looked at, however slow the machine
        login_queue_timeout_seconds=600,
    )
    async with (
        started_app(database, clock, settings, model, configure=hold_hashing) as app,
        _client_at(app, "198.51.100.7") as attacker,
        _client_at(app, "192.0.2.1") as user,
    ):
        [held] = made
        gate = held._gate
        assert (await signup(user, "real-user")).status_code == 201  # hash() is not held

        def junk_login(i: int) -> asyncio.Task:
            body = {"email": f"junk{i}@example.com", "password": f"junk {i}"}
            return asyncio.create_task(attacker.post("/api/auth/login", json=body))

        # the first junk login comes from a clean address: it hashes
        junk = [junk_login(0)]
        await _settle(lambda: len(held.calls) == 2)
        # then 29 at once: 8 in flight per address at most; the 7 admitted are suspect,
        # may not start while clean work hashes, 3 of them wait, and the others and
        # everything over the address cap are refused at once, without hashing
        junk += [junk_login(i) for i in range(1, 30)]
        await _settle(lambda: sum(task.done() for task in junk) == 26 and gate.waiting == (0, 3))
        assert gate.running == 1
        assert all(task.result().status_code == 429 for task in junk if task.done())
        assert len([name for name, _ in held.calls if name.startswith("burn")]) == 1
        # the real user takes the free slot at once, ahead of the queued junk
        real = asyncio.create_task(login(user, "real-user"))
        await _settle(lambda: any(name == f"verify:{PASSWORD}" for name, _ in held.calls))
        assert gate.running == 2
        assert gate.waiting == (0, 3)
        assert len([name for name, _ in held.calls if name.startswith("burn")]) == 1
        for _ in range(10):
            held.permits.release()
        assert (await real).status_code == 200
        statuses = sorted(response.status_code for response in await asyncio.gather(*junk))
    assert statuses.count(401) == 4
    assert statuses.count(429) == 26
    assert (gate.running, gate.waiting) == (0, (0, 0))


@pytest.mark.parametrize("settings", [make_settings(login_refusal_delay_seconds=0.3)])
async def test_refused_logins_are_answered_only_after_a_pause(client):
    # A lower bound only (a loaded machine can only make it slower): junk that ignores
    # Retry-After gets one refusal per connection per pause, not as many as it can send.
    for _ in range(3):
        await login(client, "ghost", "wrong password!")
    started = time.monotonic()
    refused = await login(client, "ghost", "wrong password!")
    assert refused.status_code == 429
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("settings", [make_settings(login_address_max_failures=3)])
async def test_repeated_duplicate_signups_are_throttled_like_failed_logins(client):
    # each duplicate still costs a bcrypt hash, so an address repeating them is limited
    assert (await signup(client, "taken")).status_code == 201
    for i in range(3):
        assert (await signup(client, f"other{i}", email="taken@example.com")).status_code == 409
    refused = await signup(client, "fresh")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
