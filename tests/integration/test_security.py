"""Security properties not covered elsewhere: what logs may contain, verbatim storage of
hostile text, password policy, and cross-user access on every id-taking route."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import TEST_SECRET_KEY
from tests.support.api import PASSWORD, auth_headers, drain_jobs, say

HOSTILE = [
    "Robert'); DROP TABLE users;--",
    "<script>alert('x')</script>",
    "{{7*7}} ${7*7} %s %n",
    "../../etc/passwd",
    "\u202eevil\u202c and emoji 🧠",
    "' OR '1'='1",
    "$(rm -rf /)",
]


async def test_logs_never_contain_passwords_tokens_or_message_bodies(client, app, caplog):
    caplog.set_level(logging.DEBUG)
    secret_message = "my secret diary entry: I live in Atlantis"
    headers = await auth_headers(client, "logcheck")
    token = headers["Authorization"].removeprefix("Bearer ")
    await client.post(
        "/api/auth/login", json={"user_id": "logcheck", "password": "wrong password here"}
    )
    await client.post(
        "/api/chat", headers=headers, json={"session_id": "s", "message": secret_message}
    )
    await drain_jobs(app)
    logged = "\n".join(
        record.getMessage() + " " + str(record.__dict__) for record in caplog.records
    )
    assert caplog.records, "the requests were logged"
    for secret in (PASSWORD, "wrong password here", token, TEST_SECRET_KEY, secret_message):
        assert secret not in logged


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_text_is_stored_verbatim_and_harmless(client, app, text):
    headers = await auth_headers(client, "hostile", first_name=text[:200], about=text)
    me = (await client.get("/api/users/me", headers=headers)).json()
    assert me["about"] == text
    await client.post(
        "/api/session/start", headers=headers, json={"session_id": "s", "metadata": {"k": text}}
    )
    await say(client, headers, "s", text)
    await drain_jobs(app)
    history = (await client.get("/api/history", headers=headers, params={"session_id": "s"})).json()
    assert history["items"][0]["content"] == text
    session = (await client.get("/api/sessions/s", headers=headers)).json()
    assert session["metadata"] == {"k": text}
    searched = await client.post("/api/memory/search", headers=headers, json={"query": text})
    assert searched.status_code == 200
    # the database is intact
    assert (await client.get("/api/users/me", headers=headers)).status_code == 200


async def test_another_users_ids_are_404_on_every_route(client, app):
    owner = await auth_headers(client, "victim")
    thief = await auth_headers(client, "thief")
    await say(client, owner, "private", "I work at Acme and my dog's name is Rex")
    await drain_jobs(app)
    facts = (await client.get("/api/memory/facts", headers=owner)).json()["items"]
    fact_id = facts[0]["fact_id"]
    routes = [
        ("GET", "/api/sessions/private", None),
        ("PATCH", "/api/sessions/private", {"metadata": {"x": 1}}),
        ("DELETE", "/api/sessions/private", None),
        ("GET", "/api/history?session_id=private", None),
        ("GET", "/api/memory?session_id=private", None),
        ("GET", f"/api/memory/facts/{fact_id}", None),
        ("PATCH", f"/api/memory/facts/{fact_id}", {"value": "x"}),
        ("DELETE", f"/api/memory/facts/{fact_id}", None),
        ("GET", f"/api/memory/facts/{fact_id}/history", None),
    ]
    for method, path, body in routes:
        response = await client.request(method, path, headers=thief, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
    graph = (await client.get("/api/memory/graph", headers=thief)).json()
    assert graph["relations"] == []
    # and nothing of the owner's changed
    assert len((await client.get("/api/memory/facts", headers=owner)).json()["items"]) == len(facts)
    assert (await client.get("/api/sessions/private", headers=owner)).status_code == 200
