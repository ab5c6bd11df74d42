"""GET /api/messages/{id}: the message a fact came from (its provenance), per user."""

from __future__ import annotations

from tests.support.api import auth_headers, drain_jobs, error_code, say


async def test_a_facts_provenance_leads_to_its_message_and_session(client, app):
    headers = await auth_headers(client, "prov")
    [said] = await say(client, headers, "trip", "I live in Delhi")
    await drain_jobs(app)
    facts = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    [delhi] = [f for f in facts if f["value"] == "Delhi"]

    response = await client.get(f"/api/messages/{delhi['provenance'][0]}", headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message_id"] == said["message_id"]
    assert body["session_id"] == "trip"
    assert body["content"] == "I live in Delhi"
    assert body["role"] == "user"


async def test_another_users_message_is_404_and_unknown_is_404(client):
    owner = await auth_headers(client, "owner")
    [said] = await say(client, owner, "s", "a private thought")
    other = await auth_headers(client, "other")

    foreign = await client.get(f"/api/messages/{said['message_id']}", headers=other)
    unknown = await client.get("/api/messages/no-such-message", headers=owner)

    assert foreign.status_code == 404
    assert error_code(foreign) == "not_found"
    assert unknown.status_code == 404
    assert foreign.json() == unknown.json()


async def test_messages_of_a_deleted_session_are_gone(client):
    headers = await auth_headers(client, "deleter")
    [said] = await say(client, headers, "gone", "forget this")
    assert (await client.delete("/api/sessions/gone", headers=headers)).status_code == 204

    response = await client.get(f"/api/messages/{said['message_id']}", headers=headers)

    assert response.status_code == 404


async def test_reading_a_message_needs_a_token_and_a_valid_id(client):
    headers = await auth_headers(client, "anon")
    assert (await client.get("/api/messages/m1")).status_code == 401
    bad = await client.get("/api/messages/" + "x" * 300, headers=headers)
    assert bad.status_code == 422
