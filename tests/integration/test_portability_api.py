"""Export and import over HTTP on real PostgreSQL: the round trip through a deleted
account, idempotency, and every refusal with its stable error code."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx

from hybridmem.domain.portability import SECTIONS
from tests.conftest import make_settings, started_app
from tests.integration.test_api_keys_api import bearer, create_key
from tests.support.api import PASSWORD, auth_headers, drain_jobs, error_code, login, say, signup

OLD, NEW = "u-old-7f3", "u-new-9c1"
QUERIES = ("Where do I live?", "Where did I live before?", "What do I like?", "chess", "my dog")


def same_user(value: Any) -> str:
    """A view as text with both user ids written alike (the one id that changes)."""
    return json.dumps(value, sort_keys=True).replace(OLD, "U").replace(NEW, "U")


async def get(client, headers, path: str, **params) -> Any:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def memory_state(client, headers) -> dict[str, Any]:
    """Everything a user can see of their memory, read through the API."""
    graph = await get(client, headers, "/api/memory/graph")
    moments = sorted(
        {r["valid_at"] for r in graph["relations"]}
        | {r["invalid_at"] for r in graph["relations"] if r["invalid_at"]}
    )
    facts = await get(client, headers, "/api/memory/facts", include_invalidated="true", limit=100)
    state: dict[str, Any] = {
        "view": await get(client, headers, "/api/memory", session_id="s1"),
        "graph": graph,
        "graph_as_of": [
            await get(client, headers, "/api/memory/graph", as_of=m, include_invalidated="false")
            for m in moments
        ],
        "facts": facts,
        "histories": {
            f["fact_id"]: await get(client, headers, f"/api/memory/facts/{f['fact_id']}/history")
            for f in facts["items"]
        },
        "history": await get(client, headers, "/api/history", session_id="s1"),
        "sessions": await get(client, headers, "/api/users/me/sessions"),
        "search": [],
    }
    for query in QUERIES:
        found = await client.post("/api/memory/search", headers=headers, json={"query": query})
        assert found.status_code == 200, found.text
        state["search"].append(found.json())
    assert len(moments) >= 3, "the graph changed at several times"
    return state


async def remember_things(client, app, clock, headers) -> None:
    await say(client, headers, "s1", "I live in Delhi and like chess.")
    clock.advance(minutes=30)
    await say(client, headers, "s1", "I moved to Mumbai", "I have a dog named Bruno")
    await say(client, headers, "s2", "I like tea")
    clock.advance(minutes=5)
    data = await client.post(
        "/api/memory/data", headers=headers, json={"data": {"favorite color": "green"}}
    )
    assert data.status_code == 201, data.text
    await client.delete("/api/sessions/s2", headers=headers)
    await drain_jobs(app)


async def export_of(client, headers) -> dict[str, Any]:
    response = await client.get("/api/users/me/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


async def test_round_trip_through_a_deleted_account(client, app, clock):
    old = await auth_headers(client, OLD, email="asha@example.com", first_name="Asha")
    await remember_things(client, app, clock, old)
    before = await memory_state(client, old)
    # the comparison below is not vacuous: there is memory to compare
    assert all(result["results"] for result in before["search"][:3])
    assert len(before["histories"]) >= 4
    assert any(f["valid_to"] for f in before["facts"]["items"])
    assert before["view"]["facts"]
    document = await export_of(client, old)
    assert document["format"] == "hybridmem.export"
    assert document["schema_version"] == 1
    assert "password_hash" not in json.dumps(document)
    assert document["profile"]["first_name"] == "Asha"
    assert [s["session_id"] for s in document["sessions"]] == ["s1", "s2"]
    assert any(f["valid_to"] for f in document["facts"]), "closed facts are exported"

    assert (await client.delete("/api/users/me", headers=old)).status_code == 204
    assert (await signup(client, NEW, email="asha@example.com")).status_code == 201
    token = (await login(client, NEW, PASSWORD)).json()["access_token"]
    new = {"Authorization": f"Bearer {token}"}
    imported = await client.post("/api/users/me/import", headers=new, json=document)
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["added"] == {name: len(document[name]) for name in SECTIONS}
    await drain_jobs(app)
    after = await memory_state(client, new)
    for part in before:
        assert same_user(after[part]) == same_user(before[part]), part
    assert (await get(client, new, "/api/users/me"))["first_name"] == "Asha"

    again = await client.post("/api/users/me/import", headers=new, json=document)
    assert again.status_code == 200, again.text
    assert again.json()["added"] == dict.fromkeys(SECTIONS, 0)
    assert again.json()["jobs"] == 0
    assert same_user(await memory_state(client, new)) == same_user(after)
    second_export = await export_of(client, new)
    for name in SECTIONS:
        assert same_user(second_export[name]) == same_user(document[name]), name


async def test_bad_documents_are_422_with_the_path(client):
    headers = await auth_headers(client, "ravi")
    document = await export_of(client, headers)

    newer = await client.post(
        "/api/users/me/import", headers=headers, json={**document, "schema_version": 2}
    )
    assert newer.status_code == 422
    assert error_code(newer) == "unsupported_schema_version"
    assert newer.json()["error"]["details"]["path"] == "schema_version"

    message = {
        "message_id": "m1",
        "session_id": "nowhere",
        "role": "user",
        "name": None,
        "content": "hi",
        "metadata": {},
        "occurred_at": "2024-01-01T00:00:00+00:00",
        "created_at": "2024-01-01T00:00:00+00:00",
        "deleted_at": None,
    }
    cases = [
        (
            {**document, "messages": [{**message, "occurred_at": "yesterday"}]},
            "messages[0].occurred_at",
        ),
        ({**document, "messages": [message]}, "messages[0].session_id"),
        ({**document, "messages": [{**message, "role": "god"}]}, "messages[0].role"),
        ({**document, "facts": {}}, "facts"),
        ({**document, "profile": {**document["profile"], "about": 5}}, "profile.about"),
        ({k: v for k, v in document.items() if k != "relations"}, "relations"),
        ({**document, "format": "zep"}, "format"),
        ([document], "$"),
    ]
    for body, path in cases:
        refused = await client.post("/api/users/me/import", headers=headers, json=body)
        assert refused.status_code == 422, (path, refused.text)
        assert error_code(refused) == "invalid_export_document", path
        assert refused.json()["error"]["details"]["path"] == path

    garbage = await client.post(
        "/api/users/me/import",
        headers={**headers, "Content-Type": "application/json"},
        content=b'{"format": ',
    )
    assert garbage.status_code == 422
    assert garbage.json()["error"]["details"]["path"] == "$"
    nul = {**document, "profile": {**document["profile"], "about": "a\u0000b"}}
    refused = await client.post("/api/users/me/import", headers=headers, json=nul)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["rule"] == "nul_character"
    form = await client.post(
        "/api/users/me/import",
        headers={**headers, "Content-Type": "text/plain"},
        content=json.dumps(document),
    )
    assert form.status_code == 415


async def test_another_existing_accounts_document_is_403_and_changes_nothing(client, app, clock):
    owner = await auth_headers(client, "owner")
    await remember_things(client, app, clock, owner)
    document = await export_of(client, owner)
    thief = await auth_headers(client, "thief")
    refused = await client.post("/api/users/me/import", headers=thief, json=document)
    assert refused.status_code == 403
    assert error_code(refused) == "foreign_account"
    assert refused.json()["error"]["details"]["path"] == "profile.user_id"
    mine = await export_of(client, thief)
    assert all(mine[name] == [] for name in SECTIONS)


async def test_read_only_keys_export_but_never_import(client):
    session = await auth_headers(client, "keyed")
    reader = bearer((await create_key(client, session, read_only=True))["key"])
    document = await export_of(client, reader)
    refused = await client.post("/api/users/me/import", headers=reader, json=document)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["rule"] == "read_only_key"
    writer = bearer((await create_key(client, session, name="w"))["key"])
    assert (
        await client.post("/api/users/me/import", headers=writer, json=document)
    ).status_code == 200


async def test_unauthenticated_export_is_401(client):
    assert (await client.get("/api/users/me/export")).status_code == 401


@contextlib.asynccontextmanager
async def client_with(database, clock, model, **settings):
    async with started_app(database, clock, make_settings(**settings), model) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_import_limit_is_its_own_and_enforced_while_reading(database, clock, model):
    # a small import limit (well above the general one) to test it
    async with client_with(
        database, clock, model, max_import_bytes=8192, max_body_bytes=1024
    ) as client:
        await _check_import_limit(client)


async def _check_import_limit(client):
    headers = await auth_headers(client, "big")
    document = await export_of(client, headers)
    # above the general body limit, below the import limit: accepted
    padded = {**document, "profile": {**document["profile"], "about": "x" * 2000}}
    assert len(json.dumps(padded)) > 1024
    accepted = await client.post("/api/users/me/import", headers=headers, json=padded)
    assert accepted.status_code == 200, accepted.text
    huge = {**document, "profile": {**document["profile"], "about": "x" * 9000}}
    refused = await client.post("/api/users/me/import", headers=headers, json=huge)
    assert refused.status_code == 413
    assert error_code(refused) == "payload_too_large"
    assert refused.json()["error"]["details"]["max_bytes"] == 8192

    async def chunks():
        body = json.dumps(huge).encode()
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    streamed = await client.post(
        "/api/users/me/import",
        headers={**headers, "Content-Type": "application/json"},
        content=chunks(),
    )
    assert streamed.status_code == 413
    assert (await get(client, headers, "/api/users/me"))["about"] == "x" * 2000


async def test_an_export_streams_in_chunks(client, app):
    headers = await auth_headers(client, "streamer")
    for turn in range(30):
        await say(client, headers, "s1", f"message {turn} " + "words " * 500)
    # the HTTP test transport buffers responses: count the chunks the route streams
    chunks = [chunk async for chunk in await app.state.services.portability.export("streamer")]
    assert len(chunks) > 1
    assert max(len(chunk) for chunk in chunks) < 2 * 64 * 1024
    document = json.loads(b"".join(chunks))
    assert document == await export_of(client, headers) | {"exported_at": document["exported_at"]}
    assert len(document["messages"]) == 30
