"""The caller's profile, account deletion and the admin user list."""

from __future__ import annotations

import pytest

from tests.support.api import auth_headers, error_code, login, signup


async def test_profile_update_merges_metadata_and_removes_null_keys(client):
    headers = await auth_headers(client, "u1", metadata={"plan": "free", "lang": "en", "n": 1})
    response = await client.patch(
        "/api/users/me",
        headers=headers,
        json={
            "first_name": "Ada",
            "about": "likes maths",
            "metadata": {"plan": "pro", "lang": None},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["first_name"] == "Ada"
    assert body["about"] == "likes maths"
    assert body["metadata"] == {"plan": "pro", "n": 1}
    again = await client.get("/api/users/me", headers=headers)
    assert again.json()["metadata"] == {"plan": "pro", "n": 1}


async def test_profile_update_leaves_unmentioned_fields(client):
    headers = await auth_headers(client, "u2", first_name="Grace", last_name="Hopper")
    response = await client.patch("/api/users/me", headers=headers, json={"about": "navy"})
    assert response.json()["first_name"] == "Grace"
    assert response.json()["last_name"] == "Hopper"


async def test_email_change_to_a_taken_email_is_409(client):
    await signup(client, "taken")
    headers = await auth_headers(client, "u3")
    response = await client.patch(
        "/api/users/me", headers=headers, json={"email": "TAKEN@example.com"}
    )
    assert response.status_code == 409


async def test_email_change_is_used_by_login(client):
    headers = await auth_headers(client, "u4")
    await client.patch("/api/users/me", headers=headers, json={"email": "new@example.com"})
    response = await client.post(
        "/api/auth/login",
        json={"email": "new@example.com", "password": "correct horse battery staple"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "metadata",
    [
        {"deep": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}},
        {"big": "x" * 20_000},
        {"": 1},
    ],
)
async def test_unreasonable_metadata_is_422(client, metadata):
    headers = await auth_headers(client, "u5")
    response = await client.patch("/api/users/me", headers=headers, json={"metadata": metadata})
    assert response.status_code == 422


async def test_delete_me_removes_the_account_and_its_sessions(client, database):
    headers = await auth_headers(client, "u6")
    await client.post("/api/session/start", headers=headers, json={"session_id": "s"})
    assert (await client.delete("/api/users/me", headers=headers)).status_code == 204
    assert (await login(client, "u6")).status_code == 401
    async with database.connection() as conn:
        for table in ("users", "sessions", "revoked_tokens"):
            row = await (
                await conn.execute(f"SELECT count(*) AS n FROM {table} WHERE user_id = 'u6'")
            ).fetchone()
            assert row["n"] == 0, table
    # the id and email are free again
    assert (await signup(client, "u6")).status_code == 201


async def test_user_list_is_for_admins_only(client, app):
    headers = await auth_headers(client, "plain")
    response = await client.get("/api/users", headers=headers)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"


async def _make_admin(app, user_id: str) -> None:

    accounts = app.state.services.accounts
    await accounts.set_admin(user_id, True)


async def test_admin_lists_users_with_pagination_and_metadata_filter(client, app):
    admin = await auth_headers(client, "admin")
    await _make_admin(app, "admin")
    for i in range(7):
        await signup(client, f"member{i}", metadata={"team": "red" if i % 2 else "blue"})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/users", headers=admin, params=params)).json()
        seen += [user["user_id"] for user in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["admin"] + [f"member{i}" for i in range(7)]
    red = await client.get(
        "/api/users", headers=admin, params={"metadata_key": "team", "metadata_value": "red"}
    )
    assert [u["user_id"] for u in red.json()["items"]] == ["member1", "member3", "member5"]


async def test_invalid_cursor_is_422(client, app):
    admin = await auth_headers(client, "admin2")
    await _make_admin(app, "admin2")
    for cursor in ("garbage", "W10", "WyJ4IiwgInkiXQ"):
        response = await client.get("/api/users", headers=admin, params={"cursor": cursor})
        assert response.status_code == 422, cursor
