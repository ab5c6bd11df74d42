"""/v1/chat/completions and /v1/models through the official ``openai`` client, over real
HTTP to the app (a scripted model, a real database): memory reaches the prompt, a resent
conversation is recorded once, users are kept apart, errors raise the client's own types."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import openai
import pytest
from fastapi import FastAPI

from hybridmem.domain.errors import UpstreamUnavailable
from tests.support.api import auth_headers, drain_jobs
from tests.support.serving import serving

SESSION = {"X-Hybridmem-Session": "oa1"}


@pytest.fixture
async def base_url(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as url:
        yield url


async def openai_client(client: httpx.AsyncClient, base_url: str, user_id: str):
    headers = await auth_headers(client, user_id)
    token = headers["Authorization"].removeprefix("Bearer ")
    return openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key=token, max_retries=0), headers


async def history(client: httpx.AsyncClient, headers, session_id: str) -> list[tuple[str, str]]:
    response = await client.get("/api/history", headers=headers, params={"session_id": session_id})
    assert response.status_code == 200, response.text
    return [(m["role"], m["content"]) for m in response.json()["items"]]


async def test_completion_uses_memory_and_records_each_message_once(client, app, base_url, model):
    ai, headers = await openai_client(client, base_url, "oa-asha")
    told = [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": "I live in Delhi and like chess."},
    ]
    first = await ai.chat.completions.create(
        model="gpt-4o-mini", messages=told, extra_headers=SESSION
    )
    reply1 = first.choices[0].message.content
    assert reply1.endswith("You said: I live in Delhi and like chess.")
    assert first.model == "scripted"  # any model is accepted; ours answers
    assert first.object == "chat.completion"
    assert first.choices[0].finish_reason == "stop"
    assert first.usage is not None
    assert first.usage.total_tokens > 0
    extension = first.model_extra["hybridmem"]
    assert extension["session_id"] == "oa1"
    system, _ = model.calls[-1]
    assert "Answer in one sentence." in system  # the client's system message is prompt
    await drain_jobs(app)

    conversation = [
        *told,
        {"role": "assistant", "content": reply1},
        {"role": "user", "content": "Where do I live?"},
    ]
    second = await ai.chat.completions.create(
        model="any", messages=conversation, extra_headers=SESSION
    )
    reply2 = second.choices[0].message.content
    assert "Lives in Delhi" in reply2
    system, sent = model.calls[-1]
    assert "Lives in Delhi" in system
    # the client's conversation is the prompt's history
    assert [m.content for m in sent] == [told[1]["content"], reply1, "Where do I live?"]

    # the client resends the whole conversation (a retry, a regenerate): nothing new
    again = await ai.chat.completions.create(
        model="any", messages=conversation, extra_headers=SESSION
    )
    ids = ("session_id", "message_id", "reply_id")
    assert [again.model_extra["hybridmem"][key] for key in ids] == [
        second.model_extra["hybridmem"][key] for key in ids
    ]
    assert await history(client, headers, "oa1") == [
        ("user", "I live in Delhi and like chess."),
        ("assistant", reply1),
        ("user", "Where do I live?"),
        ("assistant", reply2),
    ]


async def test_streamed_completion_in_openai_chunks(client, app, base_url):
    ai, headers = await openai_client(client, base_url, "oa-streamer")
    stream = await ai.chat.completions.create(
        model="scripted",
        messages=[{"role": "user", "content": "Hello there, stream please"}],
        stream=True,
        stream_options={"include_usage": True},
        metadata={"session_id": "streamed"},
    )
    chunks = [chunk async for chunk in stream]
    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk.id for chunk in chunks}) == 1
    with_choices = [chunk for chunk in chunks if chunk.choices]
    assert with_choices[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content or "" for c in with_choices]
    assert sum(1 for piece in pieces if piece) > 3  # the model's deltas, not one block
    assert [c.choices[0].finish_reason for c in with_choices][-1] == "stop"
    assert all(c.choices[0].finish_reason is None for c in with_choices[:-1])
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    text = "".join(pieces)
    assert await history(client, headers, "streamed") == [
        ("user", "Hello there, stream please"),
        ("assistant", text),
    ]

    # on the wire: data lines only, ending with [DONE]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        response = await http.post(
            "/v1/chat/completions",
            headers=headers,
            json={"model": "x", "messages": [{"role": "user", "content": "Hi"}], "stream": True},
        )
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-hybridmem-session"] == "openai"  # the default session
    lines = [line for line in response.text.split("\n\n") if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"


async def test_two_users_are_kept_apart(client, app, base_url, model):
    asha, _ = await openai_client(client, base_url, "oa-a")
    bo, bo_headers = await openai_client(client, base_url, "oa-b")
    # both in the default session, with the same conversation: ids are per user
    said = [{"role": "user", "content": "I live in Delhi."}]
    await asha.chat.completions.create(model="m", messages=said)
    await drain_jobs(app)
    asked = [{"role": "user", "content": "Where do I live?"}]
    answer = await bo.chat.completions.create(model="m", messages=asked)
    system, _ = model.calls[-1]
    assert "Delhi" not in system
    assert "Delhi" not in (answer.choices[0].message.content or "")
    assert "Lives in Delhi" in (
        (await asha.chat.completions.create(model="m", messages=asked)).choices[0].message.content
        or ""
    )
    await bo.chat.completions.create(model="m", messages=said)
    assert [role for role, _ in await history(client, bo_headers, "openai")] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]


async def test_models_and_errors_raise_the_clients_own_types(client, base_url, model):
    ai, headers = await openai_client(client, base_url, "oa-errors")
    models = await ai.models.list()
    assert [m.id for m in models.data] == ["scripted"]
    assert (await ai.models.retrieve("scripted")).owned_by == "hybridmem"
    with pytest.raises(openai.NotFoundError):
        await ai.models.retrieve("gpt-4o")

    refused = openai.AsyncOpenAI(base_url=f"{base_url}/v1", api_key="not-a-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        await refused.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.type == "authentication_error"
    with pytest.raises(openai.AuthenticationError):
        await refused.models.list()

    bad_requests = {
        "ends with the assistant": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
        ],
        "only a system message": [{"role": "system", "content": "Be brief."}],
        "no messages": [],
        "a tool message": [{"role": "tool", "content": "42", "tool_call_id": "c1"}],
        "an image": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
        ],
        "oversized": [{"role": "user", "content": "x" * 100_001}],
    }
    for why, messages in bad_requests.items():
        with pytest.raises(openai.BadRequestError) as caught:
            await ai.chat.completions.create(model="m", messages=messages)
        assert caught.value.type == "invalid_request_error", why
        assert caught.value.body["message"], why
    with pytest.raises(openai.BadRequestError, match="n must be 1"):
        await ai.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], n=2
        )
    with pytest.raises(openai.BadRequestError, match="X-Hybridmem-Session"):
        await ai.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={"X-Hybridmem-Session": "no spaces allowed"},
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        missing = await http.post("/v1/chat/completions", headers=headers, json={"model": "m"})
    assert missing.status_code == 400
    body = missing.json()["error"]
    assert body["code"] == "validation_error"
    assert body["param"] == "messages"
    assert "messages" in body["message"]

    model.fail_with = UpstreamUnavailable("the model is down", upstream="model")
    with pytest.raises(openai.InternalServerError):
        await ai.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
    # streamed: the failure comes after the stream began, as one error event
    stream = await ai.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "b"}], stream=True
    )
    with pytest.raises(openai.APIError, match="the model is down"):
        [chunk async for chunk in stream]
