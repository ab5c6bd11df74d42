"""Signup, login, logout and every authentication error path, over HTTP."""

from __future__ import annotations

import asyncio
import base64
import json

import jwt
import pytest

from tests.conftest import TEST_SECRET_KEY, make_settings
from tests.support.api import PASSWORD, auth_headers, error_code, login, signup


async def test_signup_returns_the_user_without_secrets(client):
    response = await signup(
        client, "user123", first_name="Ada", last_name="Lovelace", about="math", metadata={"a": 1}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user_id"] == "user123"
    assert body["email"] == "user123@example.com"
    assert body["metadata"] == {"a": 1}
    assert "password" not in json.dumps(body)
    assert "hash" not in json.dumps(body)


async def test_signup_generates_a_user_id_when_absent(client):
    response = await client.post(
        "/api/auth/signup", json={"email": "anon@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert response.json()["user_id"].startswith("usr_")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "user_id": "has space"}, "user_id"),
        ({"email": "a@example.com", "password": PASSWORD, "user_id": "x" * 129}, "user_id"),
        ({"email": "a@example.com", "password": PASSWORD, "unknown": 1}, "unknown"),
        ({"email": "a@example.com", "password": PASSWORD, "metadata": "nope"}, "metadata"),
    ],
)
async def test_signup_validation_lists_the_field(client, body, field):
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    locations = [entry["loc"] for entry in response.json()["error"]["details"]["fields"]]
    assert any(field in loc for loc in locations), locations


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaa", "x" * 257])
async def test_signup_enforces_the_password_policy(client, password):
    response = await client.post(
        "/api/auth/signup", json={"email": "p@example.com", "password": password}
    )
    assert response.status_code == 422


async def test_duplicate_email_or_user_id_is_409(client):
    assert (await signup(client, "alice")).status_code == 201
    same_id = await signup(client, "alice", email="other@example.com")
    assert same_id.status_code == 409
    assert same_id.json()["error"]["details"] == {"field": "user_id"}
    same_email = await signup(client, "alice2", email="ALICE@example.com ")
    assert same_email.status_code == 409
    assert same_email.json()["error"]["details"] == {"field": "email"}


# 16 signups at once from one address: over the per-address in-flight cap otherwise
@pytest.mark.parametrize(
    "settings", [make_settings(login_address_max_in_flight=16, login_max_queued_suspect=16)]
)
async def test_racing_signups_exactly_one_wins(client):
    responses = await asyncio.gather(
        *(signup(client, f"racer{i}", email="race@example.com") for i in range(8)),
        *(signup(client, "sameid", email=f"same{i}@example.com") for i in range(8)),
    )
    by_email = [r.status_code for r in responses[:8]]
    by_id = [r.status_code for r in responses[8:]]
    assert sorted(by_email) == [201] + [409] * 7
    assert sorted(by_id) == [201] + [409] * 7


async def test_login_by_email_user_id_and_oauth2_form(client):
    await signup(client, "bob", email="Bob@Example.com")
    by_email = await client.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": PASSWORD}
    )
    by_id = await login(client, "bob")
    by_form = await client.post(
        "/api/auth/login", data={"username": "bob@example.com", "password": PASSWORD}
    )
    by_form_id = await client.post(
        "/api/auth/login", data={"username": "bob", "password": PASSWORD}
    )
    for response in (by_email, by_id, by_form, by_form_id):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3600
        claims = jwt.decode(
            body["access_token"], TEST_SECRET_KEY, algorithms=["HS256"], audience="hybridmem-api"
        )
        assert claims["sub"] == "bob"
        assert {"iat", "exp", "jti", "iss", "aud"} <= set(claims)


async def test_wrong_password_and_unknown_user_look_the_same(client):
    await signup(client, "carol")
    wrong = await login(client, "carol", "wrong password!")
    unknown = await login(client, "nobody", "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body",
    [
        {"password": PASSWORD},
        {"email": "a@example.com", "user_id": "a", "password": PASSWORD},
        {"email": "a@example.com"},
    ],
)
async def test_login_needs_one_identifier_and_a_password(client, body):
    response = await client.post("/api/auth/login", json=body)
    assert response.status_code == 422


async def test_login_with_malformed_json_is_422(client):
    response = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


async def test_repeated_failures_are_throttled_then_released(client, clock):
    await signup(client, "dave")
    for _ in range(3):
        assert (await login(client, "dave", "wrong password!")).status_code == 401
    locked = await login(client, "dave")
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert error_code(locked) == "rate_limited"
    clock.advance(seconds=301)
    assert (await login(client, "dave")).status_code == 200


async def test_unknown_accounts_are_throttled_like_known_ones(client):
    for _ in range(3):
        await login(client, "ghost", "wrong password!")
    assert (await login(client, "ghost", "wrong password!")).status_code == 429


async def test_logout_revokes_the_token_only(client):
    await signup(client, "erin")
    first = (await login(client, "erin")).json()["access_token"]
    second = (await login(client, "erin")).json()["access_token"]
    out = await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {first}"})
    assert out.status_code == 204
    after = await client.get("/api/users/me", headers={"Authorization": f"Bearer {first}"})
    assert after.status_code == 401
    assert error_code(after) == "unauthenticated"
    still = await client.get("/api/users/me", headers={"Authorization": f"Bearer {second}"})
    assert still.status_code == 200


async def test_missing_token_is_401(client):
    response = await client.get("/api/users/me")
    assert response.status_code == 401
    assert error_code(response) == "unauthenticated"


def _forge(claims: dict, *, key: str = TEST_SECRET_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def _claims_of(client, user_id: str) -> dict:
    await signup(client, user_id)
    token = (await login(client, user_id)).json()["access_token"]
    return jwt.decode(token, options={"verify_signature": False})


async def test_expired_token_is_refused(client, clock):
    headers = await auth_headers(client, "frank")
    clock.advance(seconds=3600 + 10)
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


async def test_token_from_the_future_is_refused(client, clock):
    claims = await _claims_of(client, "fiona")
    claims["iat"] = claims["nbf"] = claims["iat"] + 600
    token = _forge(claims)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


async def test_tampered_signature_is_refused(client):
    claims = await _claims_of(client, "gina")
    token = _forge(claims)
    head, _payload, signature = token.split(".")
    claims["sub"] = "someone-else"
    tampered = f"{head}.{_b64(claims)}.{signature}"
    wrong_key = _forge(claims, key="another-key-" + "z" * 40)
    for bad in (tampered, wrong_key, token[:-3] + "abc"):
        response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401


async def test_alg_none_and_other_algorithms_are_refused(client):
    claims = await _claims_of(client, "hank")
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    hs512 = _forge(claims, algorithm="HS512")
    for bad in (unsigned, hs512, "not-a-jwt", ""):
        response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401


async def test_wrong_issuer_or_audience_is_refused(client):
    claims = await _claims_of(client, "ivan")
    for change in ({"iss": "someone"}, {"aud": "other-api"}):
        token = _forge({**claims, **change})
        response = await client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


async def test_token_of_a_deleted_user_is_refused(client):
    headers = await auth_headers(client, "jack")
    assert (await client.delete("/api/users/me", headers=headers)).status_code == 204
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


async def test_token_lifetime_follows_settings(client, clock):
    headers = await auth_headers(client, "kate")
    clock.advance(seconds=3600 - 30)
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200
    clock.advance(seconds=60)
    assert (await client.get("/api/users/me", headers=headers)).status_code == 401


async def test_json_sent_with_curls_default_form_type_is_told_to_send_json(client):
    # what `curl -d '{...}'` without -H 'content-type: application/json' sends
    response = await client.post(
        "/api/auth/signup",
        content=json.dumps({"email": "form@example.com", "password": PASSWORD}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert "Content-Type: application/json" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "form", "expected"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, None, ["body", "email"]),
        ({"email": "a@example.com"}, None, ["body", "password"]),
        ({"email": "a@example.com", "password": PASSWORD, "x": 1}, None, ["body", "x"]),
        (None, {"username": "a@example.com"}, ["body", "password"]),
        (None, {"username": "not an id!", "password": PASSWORD}, ["body", "username"]),
    ],
)
async def test_login_errors_locate_fields_as_signup_does(client, body, form, expected):
    response = await client.post("/api/auth/login", json=body, data=form)
    assert response.status_code == 422
    locations = [entry["loc"] for entry in response.json()["error"]["details"]["fields"]]
    assert expected in locations, locations
    if body is not None:
        signed = await client.post("/api/auth/signup", json=body)
        signed_locations = [e["loc"] for e in signed.json()["error"]["details"]["fields"]]
        assert expected in signed_locations, signed_locations


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/users/me", 401),
        ("GET", "/api/no-such-route", 404),
        ("DELETE", "/api/auth/login", 405),
    ],
)
async def test_framework_errors_have_the_stable_body_with_details(client, method, path, status):
    response = await client.request(method, path)
    assert response.status_code == status
    assert set(response.json()["error"]) == {"code", "message", "details"}
