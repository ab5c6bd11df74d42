"""The official ``openai`` client against a ``hybridmem serve`` process (embedded
PostgreSQL, the in-process worker) whose own model is the fake OpenAI-compatible server,
so replies are deterministic."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from hybridmem_bench.fake_llm import FakeChatBehaviour
from tests.e2e.conftest import RunningServer, server_with_fake_model

PASSWORD = "correct horse battery staple"
FAKE_REPLY = FakeChatBehaviour().reply


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with server_with_fake_model("e2e-openai-") as running:
        yield running


def token_of(server: RunningServer, user_id: str) -> str:
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        credentials = {"email": f"{user_id}@example.com", "password": PASSWORD}
        assert http.post("/api/auth/signup", json={**credentials, "user_id": user_id}).is_success
        return str(http.post("/api/auth/login", json=credentials).json()["access_token"])


def history(server: RunningServer, token: str, session_id: str) -> list[tuple[str, str]]:
    response = httpx.get(
        f"{server.base_url}/api/history",
        params={"session_id": session_id},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    return [(m["role"], m["content"]) for m in response.json()["items"]]


def test_streamed_and_plain_completions_resends_and_isolation(server: RunningServer) -> None:
    token = token_of(server, "e2e-openai-a")
    ai = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=token, max_retries=0, timeout=120)
    assert [m.id for m in ai.models.list().data] == ["openai:fake"]

    told = [{"role": "user", "content": "I live in Delhi."}]
    plain = ai.chat.completions.create(model="gpt-4o", messages=told)
    assert plain.choices[0].message.content == FAKE_REPLY
    assert plain.model == "openai:fake"

    conversation = [
        *told,
        {"role": "assistant", "content": FAKE_REPLY},
        {"role": "user", "content": "Where do I live?"},
    ]
    for _ in range(2):  # the client resends the whole conversation
        chunks = list(ai.chat.completions.create(model="x", messages=conversation, stream=True))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == FAKE_REPLY
        assert chunks[-1].choices[0].finish_reason == "stop"
    assert history(server, token, "openai") == [
        ("user", "I live in Delhi."),
        ("assistant", FAKE_REPLY),
        ("user", "Where do I live?"),
        ("assistant", FAKE_REPLY),
    ]

    # the in-process worker extracts the fact; another user's memory never shows it
    deadline = time.monotonic() + 120
    facts: list[str] = []
    while time.monotonic() < deadline and "Delhi" not in facts:
        memory = httpx.get(
            f"{server.base_url}/api/memory",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).json()
        facts = [fact["value"] for fact in memory["facts"]]
        time.sleep(0.5)
    assert "Delhi" in facts
    other = token_of(server, "e2e-openai-b")
    answer = openai.OpenAI(
        base_url=f"{server.base_url}/v1", api_key=other, max_retries=0, timeout=120
    ).chat.completions.create(model="x", messages=[{"role": "user", "content": "Where do I live?"}])
    assert answer.choices[0].message.content == FAKE_REPLY
    memory_of_other = httpx.get(
        f"{server.base_url}/api/memory", headers={"Authorization": f"Bearer {other}"}, timeout=60
    ).json()
    assert memory_of_other["facts"] == []
    assert "Delhi" not in memory_of_other["context"]

    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=f"{server.base_url}/v1", api_key="bad", max_retries=0
        ).chat.completions.create(model="x", messages=told)


def key_of(server: RunningServer, token: str, *, read_only: bool) -> dict[str, str]:
    response = httpx.post(
        f"{server.base_url}/api/keys",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "openai client", "read_only": read_only},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_client_authenticates_with_an_api_key(server: RunningServer) -> None:
    token = token_of(server, "e2e-openai-key")
    writer = key_of(server, token, read_only=False)
    reader = key_of(server, token, read_only=True)

    def client(api_key: str) -> openai.OpenAI:
        return openai.OpenAI(
            base_url=f"{server.base_url}/v1", api_key=api_key, max_retries=0, timeout=120
        )

    told = [{"role": "user", "content": "My favourite colour is green."}]
    plain = client(writer["key"]).chat.completions.create(
        model="x", messages=told, extra_headers={"X-Hybridmem-Session": "by-key"}
    )
    assert plain.choices[0].message.content == FAKE_REPLY
    assert history(server, writer["key"], "by-key") == [
        ("user", "My favourite colour is green."),
        ("assistant", FAKE_REPLY),
    ]
    # a read-only key lists models, but a chat turn records messages: refused
    assert [m.id for m in client(reader["key"]).models.list().data] == ["openai:fake"]
    with pytest.raises(openai.PermissionDeniedError):
        client(reader["key"]).chat.completions.create(model="x", messages=told)
    # a revoked key fails like a bad token
    revoked = httpx.delete(
        f"{server.base_url}/api/keys/{writer['key_id']}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert revoked.status_code == 204
    with pytest.raises(openai.AuthenticationError):
        client(writer["key"]).chat.completions.create(model="x", messages=told)
