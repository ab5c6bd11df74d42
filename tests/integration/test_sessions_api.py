"""Sessions: idempotent start, metadata merge, soft delete, restore, purge, isolation."""

from __future__ import annotations

import pytest

from tests.support.api import auth_headers, error_code


async def test_start_is_idempotent_201_then_200(client):
    headers = await auth_headers(client, "s1")
    first = await client.post(
        "/api/session/start", headers=headers, json={"session_id": "chat-1", "metadata": {"a": 1}}
    )
    second = await client.post(
        "/api/session/start", headers=headers, json={"session_id": "chat-1", "metadata": {"b": 2}}
    )
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["metadata"] == {"a": 1, "b": 2}
    assert second.json()["created_at"] == first.json()["created_at"]


async def test_start_generates_an_id(client):
    headers = await auth_headers(client, "s2")
    response = await client.post("/api/session/start", headers=headers, json={})
    assert response.status_code == 201
    assert response.json()["session_id"].startswith("ses_")


async def test_start_for_another_user_id_is_403(client):
    headers = await auth_headers(client, "s3")
    response = await client.post(
        "/api/session/start", headers=headers, json={"session_id": "x", "user_id": "someone"}
    )
    assert response.status_code == 403
    own = await client.post(
        "/api/session/start", headers=headers, json={"session_id": "x", "user_id": "s3"}
    )
    assert own.status_code == 201


async def test_metadata_patch_merges_and_removes(client):
    headers = await auth_headers(client, "s4")
    await client.post(
        "/api/session/start",
        headers=headers,
        json={"session_id": "m", "metadata": {"keep": 1, "drop": 2, "change": 3}},
    )
    response = await client.patch(
        "/api/sessions/m", headers=headers, json={"metadata": {"drop": None, "change": 4, "new": 5}}
    )
    assert response.status_code == 200
    assert response.json()["metadata"] == {"keep": 1, "change": 4, "new": 5}


async def test_sessions_of_another_user_are_404_on_every_route(client):
    owner = await auth_headers(client, "owner")
    intruder = await auth_headers(client, "intruder")
    await client.post("/api/session/start", headers=owner, json={"session_id": "private"})
    assert (await client.get("/api/sessions/private", headers=intruder)).status_code == 404
    patch = await client.patch(
        "/api/sessions/private", headers=intruder, json={"metadata": {"x": 1}}
    )
    assert patch.status_code == 404
    assert (await client.delete("/api/sessions/private", headers=intruder)).status_code == 404
    listed = await client.get("/api/sessions", headers=intruder)
    assert listed.json()["items"] == []
    mine = await client.get("/api/users/me/sessions", headers=intruder)
    assert mine.json()["items"] == []
    # the intruder's own "private" is a separate session
    theirs = await client.post(
        "/api/session/start", headers=intruder, json={"session_id": "private", "metadata": {"i": 1}}
    )
    assert theirs.status_code == 201
    untouched = await client.get("/api/sessions/private", headers=owner)
    assert untouched.json()["metadata"] == {}


async def test_soft_delete_hides_then_start_restores(client):
    headers = await auth_headers(client, "s5")
    await client.post("/api/session/start", headers=headers, json={"session_id": "gone"})
    assert (await client.delete("/api/sessions/gone", headers=headers)).status_code == 204
    missing = await client.get("/api/sessions/gone", headers=headers)
    assert missing.status_code == 404
    assert error_code(missing) == "not_found"
    assert (await client.delete("/api/sessions/gone", headers=headers)).status_code == 404
    assert (await client.get("/api/sessions", headers=headers)).json()["items"] == []
    restored = await client.post("/api/session/start", headers=headers, json={"session_id": "gone"})
    assert restored.status_code == 200
    assert (await client.get("/api/sessions/gone", headers=headers)).status_code == 200


async def test_purge_removes_only_sessions_past_retention(client, app, database):
    headers = await auth_headers(client, "s6")
    for name in ("old", "fresh", "live"):
        await client.post("/api/session/start", headers=headers, json={"session_id": name})
    await client.delete("/api/sessions/old", headers=headers)
    await client.delete("/api/sessions/fresh", headers=headers)
    async with database.connection() as conn:
        await conn.execute(
            "UPDATE sessions SET deleted_at = deleted_at - interval '31 days' "
            "WHERE session_id = 'old'"
        )
    service = app.state.services.sessions
    assert await service.purge() == 1
    async with database.connection() as conn:
        rows = await (
            await conn.execute("SELECT session_id FROM sessions ORDER BY session_id")
        ).fetchall()
    assert [row["session_id"] for row in rows] == ["fresh", "live"]


async def test_list_paginates_stably_while_sessions_are_added(client):
    headers = await auth_headers(client, "s7")
    for i in range(5):
        await client.post("/api/session/start", headers=headers, json={"session_id": f"a{i}"})
    first = (await client.get("/api/sessions", headers=headers, params={"limit": 2})).json()
    # a session created between pages lands at the end, never duplicating or hiding others
    await client.post("/api/session/start", headers=headers, json={"session_id": "late"})
    await client.delete("/api/sessions/a0", headers=headers)
    seen = [s["session_id"] for s in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await client.get(
                "/api/sessions", headers=headers, params={"limit": 2, "cursor": cursor}
            )
        ).json()
        seen += [s["session_id"] for s in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["a0", "a1", "a2", "a3", "a4", "late"]


@pytest.mark.parametrize("limit", [0, -1, 201, "x"])
async def test_bad_limit_is_422(client, limit):
    headers = await auth_headers(client, "s8")
    response = await client.get("/api/sessions", headers=headers, params={"limit": limit})
    assert response.status_code == 422


async def test_bad_session_id_is_422(client):
    headers = await auth_headers(client, "s9")
    response = await client.post(
        "/api/session/start", headers=headers, json={"session_id": "../etc/passwd"}
    )
    assert response.status_code == 422


async def test_racing_starts_create_one_session(client):
    import asyncio

    headers = await auth_headers(client, "s10")
    responses = await asyncio.gather(
        *(
            client.post("/api/session/start", headers=headers, json={"session_id": "race"})
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
