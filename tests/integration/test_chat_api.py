"""POST /api/chat with a scripted model: storage, memory use, streaming, degradation."""

from __future__ import annotations

import json

import httpx

from hybridmem.domain.errors import UpstreamRateLimited, UpstreamUnavailable
from tests.conftest import make_settings, started_app
from tests.support.api import auth_headers, drain_jobs, error_code


def sse_events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_chat_stores_both_messages_and_uses_memory(client, app, model):
    headers = await auth_headers(client, "chatter", first_name="Asha")
    first = await client.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "c1", "message": "I live in Delhi and like chess."},
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["session_id"] == "c1"
    assert body["reply"].endswith("You said: I live in Delhi and like chess.")
    assert set(body["usage"]) == {"input_tokens", "output_tokens"}
    assert set(body["timings"]) == {"memory_ms", "model_ms", "total_ms"}
    assert first.headers["server-timing"].startswith("memory;dur=")
    await drain_jobs(app)

    second = await client.post(
        "/api/chat", headers=headers, json={"session_id": "c1", "message": "Where do I live?"}
    )
    body = second.json()
    assert "Lives in Delhi" in body["reply"]
    assert body["memory"]["facts_used"][0]["value"] == "Delhi"
    assert body["memory"]["sources_skipped"] == []
    system, sent = model.calls[-1]
    assert "Lives in Delhi" in system
    # short-term memory: the previous turn is part of the conversation sent to the model
    assert [m.content for m in sent][:1] == ["I live in Delhi and like chess."]

    history = (
        await client.get("/api/history", headers=headers, params={"session_id": "c1"})
    ).json()["items"]
    assert [(m["role"], m["content"][:16]) for m in history] == [
        ("user", "I live in Delhi "),
        ("assistant", first.json()["reply"][:16]),
        ("user", "Where do I live?"),
        ("assistant", body["reply"][:16]),
    ]
    assert history[0]["name"] == "Asha"


async def test_streamed_deltas_join_into_the_final_reply(client, app):
    headers = await auth_headers(client, "streamer")
    response = await client.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "s", "message": "Hello there, stream please", "stream": True},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    deltas = [data["text"] for kind, data in events if kind == "delta"]
    [done] = [data for kind, data in events if kind == "done"]
    assert len(deltas) > 3
    assert "".join(deltas) == done["reply"]
    assert events[-1][0] == "done"


async def test_accept_header_also_streams(client):
    headers = {**(await auth_headers(client, "acceptor")), "Accept": "text/event-stream"}
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": "s", "message": "hi"}
    )
    assert response.headers["content-type"].startswith("text/event-stream")


async def test_model_down_is_503_and_the_message_is_kept(client, model):
    headers = await auth_headers(client, "unlucky")
    model.fail_with = UpstreamUnavailable("the language model is unavailable", upstream="x")
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": "s", "message": "I like tea"}
    )
    assert response.status_code == 503
    assert error_code(response) == "upstream_unavailable"
    history = (
        await client.get("/api/history", headers=headers, params={"session_id": "s"})
    ).json()["items"]
    assert [m["content"] for m in history] == ["I like tea"]


async def test_model_rate_limited_is_503_with_retry_after(client, model):
    headers = await auth_headers(client, "throttled")
    model.fail_with = UpstreamRateLimited("slow down", upstream="x", retry_after=7)
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": "s", "message": "hi"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"


async def test_stream_failure_is_an_error_event(client, model):
    headers = await auth_headers(client, "streamfail")
    model.fail_with = UpstreamUnavailable("down", upstream="x")
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": "s", "message": "hi", "stream": True}
    )
    [(kind, data)] = sse_events(response.text)
    assert kind == "error"
    assert data["error"]["code"] == "upstream_unavailable"


class _BrokenGraph:
    async def apply(self, user_id, update):
        raise UpstreamUnavailable("graph down", upstream="graph")

    async def search(self, user_id, query):
        raise UpstreamUnavailable("graph down", upstream="graph")

    async def view(self, user_id, *, as_of, include_invalidated):
        raise UpstreamUnavailable("graph down", upstream="graph")

    async def add_episode(self, user_id, episode):
        raise UpstreamUnavailable("graph down", upstream="graph")


async def test_a_failing_memory_source_is_skipped_not_fatal(database, clock, settings, model):
    async with (
        started_app(database, clock, settings, model, graph_memory=_BrokenGraph()) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        headers = await auth_headers(client, "degraded")
        response = await client.post(
            "/api/chat", headers=headers, json={"session_id": "s", "message": "Where do I live?"}
        )
    assert response.status_code == 200, response.text
    assert response.json()["memory"]["sources_skipped"] == ["graph"]


async def test_long_histories_are_trimmed_not_refused(client, app, model):
    model._info = type(model._info)(
        name="tiny", context_tokens=700, supports_tools=False, supports_structured_output=True
    )
    headers = await auth_headers(client, "verbose")
    for i in range(8):
        response = await client.post(
            "/api/chat",
            headers=headers,
            json={"session_id": "s", "message": f"turn {i}: " + "blah " * 60},
        )
        assert response.status_code == 200
    _, sent = model.calls[-1]
    assert len(sent) < 8
    assert sent[-1].content.startswith("turn 7")


async def test_chat_validation_and_user_mismatch(client):
    headers = await auth_headers(client, "strict")
    assert (
        await client.post("/api/chat", headers=headers, json={"session_id": "s"})
    ).status_code == 422
    assert (
        await client.post(
            "/api/chat", headers=headers, json={"session_id": "s", "message": "x", "user_id": "z"}
        )
    ).status_code == 403


async def test_chat_is_rate_limited_per_user(database, clock, model):
    settings = make_settings(chat_turns_per_minute=2)
    async with (
        started_app(database, clock, settings, model) as app,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client,
    ):
        limited = await auth_headers(client, "limited")
        other = await auth_headers(client, "unlimited")
        body = {"session_id": "s", "message": "hi"}
        for _ in range(2):
            assert (await client.post("/api/chat", headers=limited, json=body)).status_code == 200
        refused = await client.post("/api/chat", headers=limited, json=body)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert error_code(refused) == "rate_limited"
        # another user is not affected; the next window lets the user in again
        assert (await client.post("/api/chat", headers=other, json=body)).status_code == 200
        clock.advance(seconds=61)
        assert (await client.post("/api/chat", headers=limited, json=body)).status_code == 200
