"""API keys over HTTP: made by a signed-in session, shown once, working wherever a token
does, read-only keys refused on every write (one rule), revoked or orphaned keys refused
at once with the very body of a refused token."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from tests.support.api import auth_headers, error_code

SAFE = {"get", "head", "options"}


async def create_key(
    client: httpx.AsyncClient, session: dict[str, str], *, name: str = "script", **extra: object
) -> dict:
    response = await client.post("/api/keys", headers=session, json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_create_list_and_revoke(client):
    session = await auth_headers(client, "ada")
    made = await create_key(client, session, name="laptop MCP", read_only=True)
    assert re.fullmatch(r"hm_[A-Za-z0-9_-]{43}", made["key"])
    assert made["prefix"] == made["key"][:11]
    assert made["read_only"] is True
    assert made["last_used_at"] is None
    listed = await client.get("/api/keys", headers=session)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert set(item) == {"key_id", "name", "prefix", "read_only", "created_at", "last_used_at"}
    assert item["key_id"] == made["key_id"]
    assert item["name"] == "laptop MCP"
    assert made["key"] not in listed.text
    revoked = await client.delete(f"/api/keys/{made['key_id']}", headers=session)
    assert revoked.status_code == 204
    assert (await client.get("/api/keys", headers=session)).json()["items"] == []
    again = await client.delete(f"/api/keys/{made['key_id']}", headers=session)
    assert again.status_code == 404


async def test_a_key_works_where_a_token_does(client):
    session = await auth_headers(client, "ada", first_name="Ada")
    key = bearer((await create_key(client, session))["key"])
    me = await client.get("/api/users/me", headers=key)
    assert me.status_code == 200
    assert me.json()["user_id"] == "ada"
    started = await client.post("/api/session/start", headers=key, json={"session_id": "s1"})
    assert started.status_code == 201
    recorded = await client.post(
        "/api/sessions/s1/messages",
        headers=key,
        json={"messages": [{"role": "user", "content": "I live in Lisbon"}]},
    )
    assert recorded.status_code == 201, recorded.text
    history = await client.get("/api/history", headers=key, params={"session_id": "s1"})
    assert [m["content"] for m in history.json()["items"]] == ["I live in Lisbon"]
    search = await client.post("/api/memory/search", headers=key, json={"query": "Lisbon"})
    assert search.status_code == 200
    listed = (await client.get("/api/keys", headers=key)).json()["items"]
    assert listed[0]["last_used_at"] is not None


async def test_read_only_keys_read_and_search_but_never_write(client):
    session = await auth_headers(client, "ada")
    reader = bearer((await create_key(client, session, read_only=True))["key"])
    assert (await client.get("/api/users/me", headers=reader)).status_code == 200
    assert (await client.get("/api/sessions", headers=reader)).status_code == 200
    search = await client.post("/api/memory/search", headers=reader, json={"query": "where"})
    assert search.status_code == 200, search.text
    refused = await client.post("/api/session/start", headers=reader, json={"session_id": "s"})
    assert refused.status_code == 403
    assert error_code(refused) == "forbidden"
    assert refused.json()["error"]["details"] == {"rule": "read_only_key"}
    assert "read-only" in refused.json()["error"]["message"]
    patched = await client.patch("/api/users/me", headers=reader, json={"about": "x"})
    assert patched.status_code == 403


async def test_every_unsafe_route_refuses_a_read_only_key_unless_marked(client):
    """The rule is one dependency: every authenticated operation with an unsafe method,
    read from the OpenAPI (new routes are covered without touching this test), is refused
    before its body is even validated — except the ones marked read-only."""
    session = await auth_headers(client, "ada")
    reader = bearer((await create_key(client, session, read_only=True))["key"])
    spec = (await client.get("/openapi.json")).json()
    checked = marked = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in SAFE or not operation.get("security"):
                continue
            url = re.sub(r"\{[^}]+\}", "x1", path)
            response = await client.request(method.upper(), url, headers=reader)
            if operation.get("x-hybridmem-read-only"):
                marked += 1
                assert response.status_code != 403, (method, path)
                continue
            checked += 1
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["error"]["details"] == {"rule": "read_only_key"}
            assert "403" in operation["responses"], (method, path)
    assert marked == 1
    assert checked > 15


async def test_keys_cannot_make_keys_or_end_sessions(client):
    session = await auth_headers(client, "ada")
    made = await create_key(client, session)
    key = bearer(made["key"])
    attempts = [
        ("POST", "/api/keys", {"name": "more"}),
        ("DELETE", f"/api/keys/{made['key_id']}", None),
        ("POST", "/api/auth/logout", None),
        ("POST", "/api/auth/logout-all", None),
        (
            "POST",
            "/api/auth/password",
            {"current_password": "correct horse battery staple", "new_password": "n3w pass phrase"},
        ),
        ("DELETE", "/api/users/me", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, headers=key, json=body)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"]["details"] == {"rule": "session_required"}
    # logging out everywhere ends the sessions, not the key
    assert (await client.post("/api/auth/logout-all", headers=session)).status_code == 204
    assert (await client.get("/api/users/me", headers=key)).status_code == 200


async def test_refused_keys_get_the_body_of_a_refused_token(client):
    session = await auth_headers(client, "ada")
    made = await create_key(client, session)
    bad_token = await client.get("/api/users/me", headers=bearer("eyJnot.a.token"))
    assert bad_token.status_code == 401
    assert (await client.get("/api/users/me", headers=bearer(made["key"]))).status_code == 200
    await client.delete(f"/api/keys/{made['key_id']}", headers=session)
    for secret in (made["key"], "hm_" + "A" * 43, "hm_short", "hm_" + "a" * 500):
        refused = await client.get("/api/users/me", headers=bearer(secret))
        assert refused.status_code == 401
        assert refused.json() == bad_token.json()
        assert refused.headers.get("www-authenticate") == bad_token.headers.get("www-authenticate")


async def test_deleting_the_account_kills_its_keys_at_once(client):
    session = await auth_headers(client, "ada")
    key = bearer((await create_key(client, session))["key"])
    assert (await client.delete("/api/users/me", headers=session)).status_code == 204
    refused = await client.get("/api/users/me", headers=key)
    assert refused.status_code == 401
    assert error_code(refused) == "unauthenticated"
    # a new account under the same user id does not inherit the key
    await auth_headers(client, "ada")
    assert (await client.get("/api/users/me", headers=key)).status_code == 401


async def test_another_users_key_id_is_not_found(client):
    ada = await auth_headers(client, "ada")
    bob = await auth_headers(client, "bob")
    adas = await create_key(client, ada)
    response = await client.delete(f"/api/keys/{adas['key_id']}", headers=bob)
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert (await client.get("/api/keys", headers=bob)).json()["items"] == []
    assert (await client.get("/api/users/me", headers=bearer(adas["key"]))).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "a\u0000b"},
        {"name": "tab\there"},
        {"name": 5},
        {"name": "ok", "read_only": "maybe"},
        {"name": "ok", "read_only": 0},
        {"name": "ok", "scope": "admin"},
    ],
)
async def test_bad_input_is_a_clear_4xx(client, body):
    session = await auth_headers(client, "ada")
    response = await client.post("/api/keys", headers=session, json=body)
    assert response.status_code == 422, response.text
    assert error_code(response) in ("validation_error", "invalid_input")


async def test_bad_key_ids_and_too_many_keys(client):
    session = await auth_headers(client, "ada")
    assert (await client.delete("/api/keys/has%20space", headers=session)).status_code == 422
    assert (await client.delete("/api/keys/nope", headers=session)).status_code == 404
    for n in range(50):
        await create_key(client, session, name=f"k{n}")
    response = await client.post("/api/keys", headers=session, json={"name": "one too many"})
    assert response.status_code == 409
    assert response.json()["error"]["details"]["rule"] == "too_many_keys"


async def test_keys_are_never_logged(client, caplog):
    session = await auth_headers(client, "ada")
    with caplog.at_level(logging.DEBUG):
        made = await create_key(client, session)
        await client.get("/api/users/me", headers=bearer(made["key"]))
        await client.get("/api/users/me", headers=bearer(made["key"][:-1] + "Z"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records
    assert made["key"] not in logged
    assert made["key"][11:] not in logged
