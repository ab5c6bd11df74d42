"""Chat end to end: the real server, the real embedded model (SmolLM2 via llama.cpp),
embedded PostgreSQL and the in-process worker."""

from __future__ import annotations

import json
import time

import httpx
import pytest

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def http(embedded_server):
    with httpx.Client(base_url=embedded_server.base_url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def headers(http):
    http.post(
        "/api/auth/signup",
        json={"email": "chat@example.com", "password": PASSWORD, "user_id": "chatty"},
    )
    token = http.post(
        "/api/auth/login", json={"email": "chat@example.com", "password": PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_model_is_ready(http):
    checks = http.get("/readyz").json()["checks"]
    assert checks["language_model"]["ok"] is True, checks
    assert checks["language_model"]["backend"] == "local:local"


def test_chat_remembers_and_history_is_complete(http, headers):
    first = http.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "e2e", "message": "I live in Delhi and like chess."},
    )
    assert first.status_code == 200, first.text
    assert first.json()["reply"].strip()
    assert first.json()["usage"]["output_tokens"] > 0
    assert "model;dur=" in first.headers["server-timing"]

    second = http.post(
        "/api/chat", headers=headers, json={"session_id": "e2e", "message": "Where do I live?"}
    )
    assert second.status_code == 200, second.text
    assert second.json()["reply"].strip()

    deadline = time.monotonic() + 120  # generous: the worker is slow on a loaded machine
    values: list[str] = []
    while time.monotonic() < deadline:
        found = http.post(
            "/api/memory/search", headers=headers, json={"query": "Where do I live?"}
        ).json()
        values = [r["fact"]["value"] for r in found["results"]]
        if values:
            break
        time.sleep(0.2)
    assert values[0] == "Delhi"

    history = http.get("/api/history", headers=headers, params={"session_id": "e2e"}).json()
    assert [(m["role"], m["content"]) for m in history["items"]] == [
        ("user", "I live in Delhi and like chess."),
        ("assistant", first.json()["reply"]),
        ("user", "Where do I live?"),
        ("assistant", second.json()["reply"]),
    ]


def test_streamed_deltas_join_into_the_final_reply(http, headers):
    deltas: list[str] = []
    done = None
    with http.stream(
        "POST",
        "/api/chat",
        headers={**headers, "Accept": "text/event-stream"},
        json={"session_id": "e2e-stream", "message": "Tell me a short story about a cat."},
    ) as response:
        assert response.status_code == 200
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
                if event == "delta":
                    deltas.append(data["text"])
                elif event == "done":
                    done = data
                else:
                    pytest.fail(f"unexpected event {event}: {data}")
    assert done is not None
    assert len(deltas) > 1
    assert "".join(deltas) == done["reply"]


def test_a_client_that_disconnects_cancels_the_turn(http, headers):
    long_turn = "Write a very long story about the sea, with many chapters."
    with http.stream(
        "POST",
        "/api/chat",
        headers=headers,
        json={"session_id": "e2e-cancel", "message": long_turn, "stream": True},
    ) as response:
        for line in response.iter_lines():
            if line.startswith("event: delta"):
                break  # leave after the first piece
    # A twin turn started after it (both capped at 64 tokens, the model has two slots):
    # when the twin is answered, an uncancelled first reply would have been stored too.
    # A condition rather than a sleep, so a loaded machine cannot make this pass vacuously.
    twin = http.post(
        "/api/chat", headers=headers, json={"session_id": "e2e-twin", "message": long_turn}
    )
    assert twin.status_code == 200, twin.text
    history = http.get("/api/history", headers=headers, params={"session_id": "e2e-cancel"})
    # the user's message is kept; the model call was cancelled, so no reply was stored
    assert [m["role"] for m in history.json()["items"]] == ["user"]


def test_the_embedded_model_answers_from_memory(http):
    # the newcomer's first exchange (issue 13): the reply names the remembered city, in
    # the same conversation and in a new one where only long-term memory has it
    http.post(
        "/api/auth/signup",
        json={"email": "newcomer@example.com", "password": PASSWORD, "user_id": "newcomer"},
    )
    token = http.post(
        "/api/auth/login", json={"email": "newcomer@example.com", "password": PASSWORD}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    said = http.post(
        "/api/chat", headers=headers, json={"session_id": "first", "message": "I live in Delhi."}
    )
    assert said.status_code == 200, said.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = http.post(
            "/api/memory/search", headers=headers, json={"query": "Where do I live?"}
        ).json()["results"]
        if found:
            break
        time.sleep(0.2)
    for session in ("first", "second"):
        asked = http.post(
            "/api/chat",
            headers=headers,
            json={"session_id": session, "message": "Where do I live?"},
        )
        assert asked.status_code == 200, asked.text
        assert "delhi" in asked.json()["reply"].casefold(), (session, asked.json()["reply"])
        assert asked.json()["memory"]["facts_used"][0]["value"] == "Delhi"


def test_the_openai_client_streams_from_the_embedded_model(embedded_server, headers):
    import openai

    token = headers["Authorization"].removeprefix("Bearer ")
    ai = openai.OpenAI(
        base_url=f"{embedded_server.base_url}/v1", api_key=token, max_retries=0, timeout=300
    )
    [model] = ai.models.list().data
    chunks = list(
        ai.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Where do I live?"}],
            stream=True,
            extra_headers={"X-Hybridmem-Session": "e2e-openai"},
        )
    )
    assert {chunk.model for chunk in chunks} == {model.id}
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert chunks[-1].choices[0].finish_reason == "stop"
