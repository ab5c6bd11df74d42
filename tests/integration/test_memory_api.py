"""The memory engine over HTTP: the scenarios of the memory model, end to end."""

from __future__ import annotations

import pytest

from tests.support.api import auth_headers, drain_jobs, error_code, say


async def _search(client, headers, query: str) -> dict:
    response = await client.post("/api/memory/search", headers=headers, json={"query": query})
    assert response.status_code == 200, response.text
    return response.json()


async def test_delhi_then_mumbai(client, app, clock):
    headers = await auth_headers(client, "asha")
    first = await say(client, headers, "s1", "I live in Delhi and like chess.")
    await drain_jobs(app)

    view = (await client.get("/api/memory", headers=headers, params={"session_id": "s1"})).json()
    current = {(f["attribute"], f["value"]) for f in view["facts"] if f["valid_to"] is None}
    assert ("location", "Delhi") in current
    assert ("likes", "chess") in current
    delhi = next(f for f in view["facts"] if f["value"] == "Delhi")
    assert delhi["provenance"] == [first[0]["message_id"]]
    assert "Delhi" in view["context"]
    assert [m["content"] for m in view["messages"]] == ["I live in Delhi and like chess."]

    found = await _search(client, headers, "Where do I live?")
    assert found["intent"] == "personal_fact"
    assert found["results"][0]["fact"]["value"] == "Delhi"
    # each item as the prompt shows it (a message with its reply, a context unit)
    assert found["context"] == "\n".join(item["rendered"] for item in found["items"])

    clock.advance(minutes=30)
    await say(client, headers, "s1", "I moved to Mumbai")
    await drain_jobs(app)
    found = await _search(client, headers, "Where do I live?")
    assert found["results"][0]["fact"]["value"] == "Mumbai"
    assert all(r["fact"]["value"] != "Delhi" for r in found["results"])

    graph = (await client.get("/api/memory/graph", headers=headers)).json()
    lives_in = {r["target"]: r for r in graph["relations"] if r["relation_type"] == "lives_in"}
    assert lives_in["place:delhi"]["invalid_at"] is not None
    assert lives_in["place:mumbai"]["invalid_at"] is None

    before = await _search(client, headers, "Where did I live before?")
    assert before["intent"] == "temporal"
    assert "Delhi" in [r["fact"]["value"] for r in before["results"]]

    as_of = lives_in["place:delhi"]["valid_at"]
    then = (
        await client.get(
            "/api/memory/graph",
            headers=headers,
            params={"as_of": as_of, "include_invalidated": "false"},
        )
    ).json()
    assert [r["target"] for r in then["relations"] if r["relation_type"] == "lives_in"] == [
        "place:delhi"
    ]


async def test_dog_named_bruno_becomes_an_entity(client, app):
    headers = await auth_headers(client, "ravi")
    await say(client, headers, "pets", "My dog's name is Bruno")
    await drain_jobs(app)
    graph = (await client.get("/api/memory/graph", headers=headers)).json()
    bruno = [e for e in graph["entities"] if e["name"] == "Bruno"]
    assert bruno
    assert bruno[0]["entity_type"] == "pet"
    assert bruno[0]["summary"] == "dog"
    [has_pet] = [r for r in graph["relations"] if r["relation_type"] == "has_pet"]
    assert has_pet["source"] == "user:ravi"
    assert has_pet["target"] == bruno[0]["key"]


async def test_history_is_chronological_complete_and_paged(client, app):
    headers = await auth_headers(client, "hist")
    for i in range(5):
        await say(client, headers, "h", f"message number {i}")
    seen, cursor = [], None
    while True:
        params = {"session_id": "h", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/history", headers=headers, params=params)).json()
        seen += [m["content"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"message number {i}" for i in range(5)]


async def test_messages_are_idempotent_by_id(client, app):
    headers = await auth_headers(client, "idem")
    body = {"messages": [{"role": "user", "content": "I like tea", "message_id": "m-1"}]}
    for _ in range(3):
        response = await client.post("/api/sessions/s/messages", headers=headers, json=body)
        assert response.status_code == 201
    await drain_jobs(app)
    history = (await client.get("/api/history", headers=headers, params={"session_id": "s"})).json()
    assert len(history["items"]) == 1
    facts = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    assert [f["value"] for f in facts] == ["tea"]


async def test_user_id_mismatch_is_403_everywhere(client):
    headers = await auth_headers(client, "me")
    other = {"user_id": "someone-else"}
    assert (
        await client.get("/api/history", headers=headers, params={"session_id": "s", **other})
    ).status_code == 403
    assert (await client.get("/api/memory", headers=headers, params=other)).status_code == 403
    searched = await client.post(
        "/api/memory/search", headers=headers, json={"query": "x", **other}
    )
    assert searched.status_code == 403
    consolidated = await client.post("/api/memory/consolidate", headers=headers, json=other)
    assert consolidated.status_code == 403
    data = await client.post("/api/memory/data", headers=headers, json={"data": "x", **other})
    assert data.status_code == 403


async def test_other_users_memory_is_invisible(client, app):
    owner = await auth_headers(client, "owner")
    intruder = await auth_headers(client, "intruder")
    await say(client, owner, "private", "I work at Acme")
    await drain_jobs(app)
    fact_id = (await client.get("/api/memory/facts", headers=owner)).json()["items"][0]["fact_id"]
    for method, path in [
        ("GET", f"/api/memory/facts/{fact_id}"),
        ("PATCH", f"/api/memory/facts/{fact_id}"),
        ("DELETE", f"/api/memory/facts/{fact_id}"),
        ("GET", f"/api/memory/facts/{fact_id}/history"),
    ]:
        response = await client.request(
            method, path, headers=intruder, json={"value": "x"} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, path)
    history = await client.get("/api/history", headers=intruder, params={"session_id": "private"})
    assert history.status_code == 404
    assert (await _search(client, intruder, "where do I work"))["results"] == []
    assert (await client.get("/api/memory/graph", headers=intruder)).json()["relations"] == []


async def test_fact_correction_delete_and_history(client, app):
    headers = await auth_headers(client, "edit")
    await say(client, headers, "s", "I work at Initech")
    await drain_jobs(app)
    [fact] = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    corrected = await client.patch(
        f"/api/memory/facts/{fact['fact_id']}", headers=headers, json={"value": "  Initrode "}
    )
    assert corrected.status_code == 200
    assert corrected.json()["value"] == "Initrode"
    assert corrected.json()["text"] == "Works at Initrode"
    deleted = await client.delete(f"/api/memory/facts/{fact['fact_id']}", headers=headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/memory/facts/{fact['fact_id']}", headers=headers)
    assert gone.status_code == 404
    events = (
        await client.get(f"/api/memory/facts/{fact['fact_id']}/history", headers=headers)
    ).json()
    assert [e["kind"] for e in events] == ["ADD", "UPDATE", "DELETE"]


async def test_business_data_text_and_json(client):
    headers = await auth_headers(client, "biz")
    text = await client.post(
        "/api/memory/data", headers=headers, json={"data": "I am allergic to peanuts."}
    )
    assert text.status_code == 201
    assert [f["value"] for f in text.json()["facts"]] == ["peanuts"]
    as_json = await client.post(
        "/api/memory/data",
        headers=headers,
        json={"data": {"employer": "Globex", "languages": ["Hindi", "English"]}},
    )
    assert as_json.status_code == 201
    values = {(f["attribute"], f["value"]) for f in as_json.json()["facts"]}
    assert {("employer", "Globex"), ("languages", "Hindi"), ("languages", "English")} <= values


async def test_consolidation_dry_run_then_merge_then_nothing(client, app, database):
    headers = await auth_headers(client, "dup")
    await say(client, headers, "s", "I like chess.")
    await drain_jobs(app)
    # a duplicate written straight into the fact memory (as another extractor might)
    async with database.connection() as conn:
        await conn.execute(
            "INSERT INTO facts (user_id, fact_id, attribute, value, value_normalized, "
            "fact_text, valid_from, provenance, source) SELECT user_id, 'dup-1', attribute, "
            "'Chess', 'chess', 'Likes Chess', valid_from + interval '1 minute', "
            "ARRAY['elsewhere'], 'llm' FROM facts WHERE user_id = 'dup'"
        )
    dry = (
        await client.post("/api/memory/consolidate", headers=headers, json={"dry_run": True})
    ).json()
    assert dry["dry_run"] is True
    assert dry["changed"] is True
    assert [d["kind"] for d in dry["decisions"] if d["kind"] != "keep"] == ["merge"]
    still_two = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    assert len(still_two) == 2

    done = (await client.post("/api/memory/consolidate", headers=headers, json={})).json()
    assert done["deleted"] == 1
    [survivor] = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    assert set(survivor["provenance"]) >= {"elsewhere"}

    again = (await client.post("/api/memory/consolidate", headers=headers)).json()
    assert again["changed"] is False
    assert (again["added"], again["updated"], again["deleted"]) == (0, 0, 0)


async def test_delete_account_forgets_everything(client, app, database):
    headers = await auth_headers(client, "gone")
    await say(client, headers, "s", "I live in Pune and my dog's name is Rex")
    await client.post("/api/memory/data", headers=headers, json={"data": {"employer": "X"}})
    await drain_jobs(app)
    await say(client, headers, "s", "I like jazz")  # leaves a pending job behind
    assert (await client.delete("/api/users/me", headers=headers)).status_code == 204
    async with database.connection() as conn:
        for table in (
            "users",
            "sessions",
            "messages",
            "facts",
            "fact_events",
            "entities",
            "relations",
            "jobs",
        ):
            row = await (
                await conn.execute(f"SELECT count(*) AS n FROM {table} WHERE user_id = 'gone'")
            ).fetchone()
            assert row["n"] == 0, table


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": [{"role": "robot", "content": "x"}]},
        {"messages": [{"role": "user", "content": ""}]},
        {"messages": [{"role": "user", "content": "nul \u0000 byte"}]},
        {"messages": [{"role": "user", "content": "x", "occurred_at": "2024-01-01T00:00:00"}]},
    ],
)
async def test_bad_messages_are_422_and_store_nothing(client, body):
    headers = await auth_headers(client, "bad")
    response = await client.post("/api/sessions/s/messages", headers=headers, json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert (await client.get("/api/sessions/s", headers=headers)).status_code == 404


async def test_correcting_or_deleting_a_fact_changes_the_graph_so_consolidation_keeps_it(
    client, app
):
    headers = await auth_headers(client, "editor")
    await say(client, headers, "s1", "I like chess. I like tea.")
    await drain_jobs(app)
    facts = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    by_value = {f["value"]: f for f in facts}
    chess, tea = by_value["chess"], by_value["tea"]

    patched = await client.patch(
        f"/api/memory/facts/{chess['fact_id']}", headers=headers, json={"value": "go"}
    )
    assert patched.status_code == 200, patched.text
    deleted = await client.delete(f"/api/memory/facts/{tea['fact_id']}", headers=headers)
    assert deleted.status_code == 204

    graph = (await client.get("/api/memory/graph", headers=headers)).json()
    assert sorted(r["fact"] for r in graph["relations"]) == ["Likes go"]
    report = (await client.post("/api/memory/consolidate", headers=headers, json={})).json()
    assert report["changed"] is False
    after = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    assert [f["value"] for f in after] == ["go"]
