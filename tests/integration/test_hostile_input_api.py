"""Input an attacker would send: times at the edge of the calendar, ids that contain the
separators of composite keys, cursors and path ids that decode to hostile values, and an
admin acting for a user that does not exist. Every one must be a 4xx with the stable
error body (or, for stored rows, a normal answer), never a 500."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

import hybridmem
from hybridmem.domain.errors import InvalidInput
from tests.support.api import auth_headers, drain_jobs, error_code, say

# Year 10000 and year 0 once converted to UTC: Python can hold each of them as written
# (the offset keeps the local date within 1..9999), PostgreSQL stores both, but neither
# can be read back into a Python datetime.
FAR_FUTURE = "9999-12-31T23:59:59-14:00"
FAR_PAST = "0001-01-01T00:00:00+14:00"
EDGES = [FAR_FUTURE, FAR_PAST, "9999-12-31T23:59:59-00:01", "0001-01-01T00:00:00+00:01"]

READS = [
    ("GET", "/api/memory", None),
    ("GET", "/api/memory/facts?include_invalidated=true", None),
    ("GET", "/api/memory/graph", None),
    ("GET", "/api/history?session_id=s", None),
    ("POST", "/api/memory/search", {"query": "where do I live?"}),
    ("POST", "/api/memory/consolidate", {"dry_run": True}),
]


async def _all_reads_work(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for method, url, body in READS:
        response = await client.request(method, url, headers=headers, json=body)
        assert response.status_code == 200, (method, url, response.text)


@pytest.mark.parametrize("moment", EDGES)
async def test_times_outside_the_calendar_are_422_everywhere(client, app, moment):
    headers = await auth_headers(client, "edges")
    await say(client, headers, "s", "I live in Paris")
    await drain_jobs(app)
    attempts = [
        (
            "POST",
            "/api/sessions/s/messages",
            {"messages": [{"role": "user", "content": "I live in Rome", "occurred_at": moment}]},
        ),
        ("POST", "/api/memory/data", {"data": "I live in Oslo", "occurred_at": moment}),
        ("POST", "/api/memory/data", {"data": {"city": "Oslo"}, "occurred_at": moment}),
        ("GET", f"/api/memory/graph?as_of={moment.replace('+', '%2B')}", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, headers=headers, json=body)
        assert response.status_code == 422, (url, moment, response.text)
        assert error_code(response) == "validation_error"
        assert "between" in response.text, response.text
    await drain_jobs(app)
    await _all_reads_work(client, headers)


async def test_times_just_inside_the_range_are_accepted(client, app):
    headers = await auth_headers(client, "inside")
    await say(client, headers, "s", "I live in Paris", occurred_at="9999-12-31T23:59:59.999999Z")
    inside = ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00+00:00", "0001-01-01T10:00:00+10:00")
    for moment in inside:
        response = await client.post(
            "/api/memory/data",
            headers=headers,
            json={"data": {"city": "Lima"}, "occurred_at": moment},
        )
        assert response.status_code == 201, response.text
    await _all_reads_work(client, headers)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("I moved to Paris 999 decades ago", None),
        ("I have lived in Lima for 999 decades", None),
        ("I moved to Paris 3 days ago", "0001-01-01T00:00:00Z"),
        ("I moved to Oslo last winter", "0001-01-02T00:00:00Z"),
    ],
)
async def test_time_phrases_reaching_before_year_one_are_clamped(client, app, text, moment):
    headers = await auth_headers(client, "phrases")
    body = {"data": text, **({"occurred_at": moment} if moment else {})}
    response = await client.post("/api/memory/data", headers=headers, json=body)
    assert response.status_code == 201, response.text
    message = {"role": "user", "content": text, **({"occurred_at": moment} if moment else {})}
    stored = await client.post(
        "/api/sessions/s/messages", headers=headers, json={"messages": [message]}
    )
    assert stored.status_code == 201, stored.text
    await drain_jobs(app)
    dead = await client.get("/api/memory/facts?include_invalidated=true", headers=headers)
    assert dead.status_code == 200, dead.text
    await _all_reads_work(client, headers)


async def test_rows_stored_beyond_the_calendar_by_an_older_version_still_read(
    client, app, database
):
    # An older version accepted such times: PostgreSQL holds them, Python cannot. Reads
    # must keep working for the user (and for everybody else) whatever is stored.
    headers = await auth_headers(client, "legacy")
    await say(client, headers, "s", "I live in Paris", "My sister is Anna")
    await drain_jobs(app)
    beyond, before = "10000-01-01 13:59:59+00", "0001-12-31 10:00:00+00 BC"
    async with database.connection() as conn:
        await conn.execute(
            "UPDATE messages SET occurred_at = %s::timestamptz WHERE user_id = 'legacy'", (beyond,)
        )
        await conn.execute(
            "UPDATE facts SET valid_from = %s::timestamptz, valid_to = %s::timestamptz "
            "WHERE user_id = 'legacy'",
            (before, beyond),
        )
        await conn.execute(
            "UPDATE relations SET valid_at = %s::timestamptz, invalid_at = %s::timestamptz "
            "WHERE user_id = 'legacy'",
            (before, beyond),
        )
        await conn.execute(
            "UPDATE fact_events SET at = %s::timestamptz WHERE user_id = 'legacy'", (beyond,)
        )
    await _all_reads_work(client, headers)
    facts = (await client.get("/api/memory/facts?include_invalidated=true", headers=headers)).json()
    assert facts["items"], facts
    fact = facts["items"][0]
    assert fact["valid_from"].startswith("0001-01-01"), fact
    assert fact["valid_to"].startswith("9999-12-31"), fact
    history = await client.get(f"/api/memory/facts/{fact['fact_id']}/history", headers=headers)
    assert history.status_code == 200, history.text
    graph = (await client.get("/api/memory/graph", headers=headers)).json()
    assert graph["relations"], graph
    messages = (await client.get("/api/history?session_id=s", headers=headers)).json()
    assert messages["items"][0]["occurred_at"].startswith("9999-12-31"), messages


async def test_the_library_refuses_times_outside_the_calendar(database):
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    async with hybridmem.open_memory(database.dsn, db_pool_max_size=2) as memory:
        for moment in (far, early):
            with pytest.raises(InvalidInput, match="between"):
                await memory.add_data("lib-user", "I live in Oslo", occurred_at=moment)
            with pytest.raises(InvalidInput, match="between"):
                await memory.add_messages(
                    "lib-user",
                    "s",
                    [{"role": "user", "content": "I live in Rome", "occurred_at": moment}],
                )
        view = await memory.view("lib-user")
        assert not view.facts


async def test_ids_containing_the_key_separator_do_not_collide(client, app):
    # user "t" + message "alice:m1" and user "t:alice" + message "m1" once made the same
    # job key, so the second extraction was silently never enqueued.
    first = await auth_headers(client, "t")
    second = await auth_headers(client, "t:alice", email="t.alice@example.com")
    await say(client, first, "s", "I live in Paris", message_id="alice:m1")
    await say(client, second, "s", "I live in Rome", message_id="m1")
    await drain_jobs(app)
    for headers, city in ((first, "Paris"), (second, "Rome")):
        facts = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
        assert [f["value"] for f in facts] == [city], facts


def _cursor(value: object) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


STAMP = "2024-05-08T13:56:00+00:00"
HOSTILE_PAIR_CURSORS = [
    _cursor([STAMP, "\u0000"]),
    _cursor([STAMP, "a\u0000b"]),
    _cursor([STAMP, "\ud800"]),
    _cursor(["\u0000", "x"]),
    _cursor(["\udfff", "x"]),
    _cursor([STAMP, 7]),
    _cursor([STAMP, None]),
    _cursor([123, "x"]),
    _cursor([True, "x"]),
    "WyIyMDI0LTA1LTA4VDEzOjU2OjAwKzAwOjAwIiwxZTk5OV0",  # [STAMP, 1e999]
    _cursor(["+10000-01-01T00:00:00+00:00", "x"]),
    _cursor([STAMP, "x", "y"]),
    _cursor({"a": 1}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]
HOSTILE_HISTORY_CURSORS = [
    _cursor(["x"]),
    "WzFlOTk5XQ",  # [1e999]
    "Wy0xZTk5OV0",  # [-1e999]
    "W05hTl0",  # [NaN]
    _cursor([1.5]),
    _cursor([True]),
    _cursor([None]),
    _cursor([2**70]),
    _cursor([-(2**70)]),
    _cursor([1, 2]),
    _cursor(["\u0000"]),
]


async def _make_admin(app, user_id: str) -> None:

    accounts = app.state.services.accounts
    await accounts.set_admin(user_id, True)


async def test_hostile_cursors_are_422_on_every_list(client, app):
    headers = await auth_headers(client, "cursors")
    await _make_admin(app, "cursors")
    await say(client, headers, "s", "I live in Paris")
    await drain_jobs(app)
    routes = ["/api/sessions", "/api/users/me/sessions", "/api/memory/facts", "/api/users"]
    cases = [(route, {"cursor": c}) for route in routes for c in HOSTILE_PAIR_CURSORS]
    cases += [("/api/history", {"session_id": "s", "cursor": c}) for c in HOSTILE_HISTORY_CURSORS]
    for route, params in cases:
        response = await client.get(route, headers=headers, params=params)
        assert response.status_code == 422, (route, params, response.text)
        assert error_code(response) in {"invalid_input", "validation_error"}, response.text


@pytest.mark.parametrize("fact_id", ["%00", "a%00b", "%ED%A0%80", "%FF", "%0A"])
async def test_hostile_fact_ids_are_4xx(client, app, fact_id):
    headers = await auth_headers(client, "factids")
    routes = [
        ("GET", f"/api/memory/facts/{fact_id}", None),
        ("PATCH", f"/api/memory/facts/{fact_id}", {"value": "x"}),
        ("DELETE", f"/api/memory/facts/{fact_id}", None),
        ("GET", f"/api/memory/facts/{fact_id}/history", None),
    ]
    for method, url, body in routes:
        response = await client.request(method, url, headers=headers, json=body)
        assert 400 <= response.status_code < 500, (method, url, response.text)
        error_code(response)


async def test_admin_metadata_filter_with_nul_is_422(client, app):
    headers = await auth_headers(client, "metaadmin")
    await _make_admin(app, "metaadmin")
    for params in ({"metadata_key": "\u0000"}, {"metadata_key": "k", "metadata_value": "a\u0000"}):
        response = await client.get("/api/users", headers=headers, params=params)
        assert response.status_code == 422, (params, response.text)
        assert error_code(response) == "validation_error"


async def test_an_admin_acting_for_a_missing_user_gets_404(client, app):
    headers = await auth_headers(client, "actor")
    await _make_admin(app, "actor")
    ghost = "ghost"
    attempts = [
        ("POST", "/api/session/start", {"session_id": "s", "user_id": ghost}),
        (
            "POST",
            "/api/sessions/s/messages",
            {"messages": [{"role": "user", "content": "I live in Rome"}], "user_id": ghost},
        ),
        ("POST", "/api/chat", {"session_id": "s", "message": "hello", "user_id": ghost}),
        ("POST", "/api/memory/data", {"data": "I live in Oslo", "user_id": ghost}),
        ("POST", "/api/memory/search", {"query": "where?", "user_id": ghost}),
        ("POST", "/api/memory/consolidate", {"user_id": ghost}),
        ("GET", f"/api/memory?user_id={ghost}", None),
        ("GET", f"/api/history?session_id=s&user_id={ghost}", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, headers=headers, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert error_code(response) == "not_found"
    # and acting for a user who does exist still works
    await auth_headers(client, "real")
    ok = await client.post(
        "/api/memory/data", headers=headers, json={"data": "I live in Oslo", "user_id": "real"}
    )
    assert ok.status_code == 201, ok.text


async def test_a_500_body_carries_the_sanitized_request_id(app):
    async def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test-only/explode", explode)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        hostile = "<script>alert(1)</script>\u00e9" + "x" * 300
        response = await http.get(
            "/test-only/explode", headers={"X-Request-ID": hostile.encode("latin-1")}
        )
        assert response.status_code == 500
        assert len(response.headers.get_list("x-request-id")) == 1
        logged = response.headers["x-request-id"]
        assert len(logged) == 32, logged  # the unsafe header was replaced by a fresh id
        assert response.json()["error"]["details"]["request_id"] == logged
        assert "<script>" not in response.text
        kept = await http.get("/test-only/explode", headers={"X-Request-ID": "req-42"})
        assert kept.json()["error"]["details"]["request_id"] == "req-42"


def test_edge_fixtures_are_what_they_claim():
    # the attack values really are year 10000 and year 0 in UTC
    with pytest.raises(OverflowError):
        datetime.fromisoformat(FAR_FUTURE).astimezone(UTC)
    with pytest.raises(OverflowError):
        datetime.fromisoformat(FAR_PAST).astimezone(UTC)
