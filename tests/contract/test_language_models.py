"""Contract of LanguageModel for the Agno adapters, against local fakes of the Gemini REST
API and of an OpenAI-compatible server: request shape, token counts, error mapping."""

from __future__ import annotations

import pytest

from hybridmem.adapters.agno.model import AgnoLanguageModel, gemini_model, openai_like_model
from hybridmem.domain.errors import (
    ContextTooLong,
    InvalidInput,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from hybridmem.domain.messages import Role
from hybridmem.ports.llm import ChatMessage, Completion, ModelInfo, TextDelta
from hybridmem_bench.fake_llm import FakeChatServer
from tests.support.fake_gemini import FakeGemini

INFO = ModelInfo("test", 8192, supports_tools=False, supports_structured_output=True)
CONVERSATION = [
    ChatMessage(Role.USER, "hi"),
    ChatMessage(Role.ASSISTANT, "hello"),
    ChatMessage(Role.USER, "Where do I live?"),
]


@pytest.fixture(scope="module")
def gemini():
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(scope="module")
def openai_server():
    with FakeChatServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _reset(request):
    """Every test starts from the fakes' default behaviour."""
    for name in ("gemini", "openai_server"):
        if name in request.fixturenames:
            behaviour = request.getfixturevalue(name).behaviour
            fresh = type(behaviour)()
            for field_name in vars(fresh):
                if field_name != "requests":
                    setattr(behaviour, field_name, getattr(fresh, field_name))
            behaviour.requests.clear()


def gemini_adapter(fake: FakeGemini, timeout: float = 30.0) -> AgnoLanguageModel:
    return AgnoLanguageModel(
        gemini_model(
            model_id="gemini-test-flash",
            api_key="test-key-not-real",
            timeout=timeout,
            base_url=fake.base_url,
        ),
        INFO,
        structured="json_mode",
    )


def openai_adapter(fake: FakeChatServer, timeout: float = 30.0) -> AgnoLanguageModel:
    return AgnoLanguageModel(
        openai_like_model(
            model_id="fake", base_url=fake.base_url, api_key="k", timeout=timeout, max_tokens=64
        ),
        INFO,
    )


async def test_gemini_request_shape_and_token_counts(gemini):
    model = gemini_adapter(gemini)
    completion = await model.complete("Be brief.", CONVERSATION)
    assert completion == Completion("Hello from fake Gemini", input_tokens=7, output_tokens=4)
    [request] = gemini.behaviour.requests
    assert request["path"].endswith("/models/gemini-test-flash:generateContent")
    assert request["headers"]["x-goog-api-key"] == "test-key-not-real"
    body = request["body"]
    assert body["systemInstruction"]["parts"][0]["text"].startswith("Be brief.")
    assert [(c["role"], c["parts"][0]["text"]) for c in body["contents"]] == [
        ("user", "hi"),
        ("model", "hello"),
        ("user", "Where do I live?"),
    ]


async def test_gemini_stream_request_and_deltas(gemini):
    events = [event async for event in gemini_adapter(gemini).stream("s", CONVERSATION)]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert deltas == ["Hello", " from", " fake", " Gemini"]
    assert isinstance(events[-1], Completion)
    assert events[-1].text == "".join(deltas)
    assert events[-1].input_tokens == 7
    [request] = gemini.behaviour.requests
    assert request["path"].endswith(":streamGenerateContent")
    assert request["query"] == {"alt": "sse"}


@pytest.mark.parametrize(
    ("status", "message", "error"),
    [
        (401, "API key not valid", UpstreamUnavailable),
        (403, "permission denied", UpstreamUnavailable),
        (429, "Resource has been exhausted", UpstreamRateLimited),
        (500, "internal", UpstreamUnavailable),
        (503, "overloaded", UpstreamUnavailable),
        (
            400,
            "The input token count (2000000) exceeds the maximum number of tokens allowed",
            ContextTooLong,
        ),
    ],
)
async def test_gemini_errors_map_to_domain_errors(gemini, status, message, error):
    gemini.behaviour.status = status
    gemini.behaviour.error_message = message
    with pytest.raises(error):
        await gemini_adapter(gemini).complete("s", CONVERSATION)


async def test_gemini_timeout_is_unavailable(gemini):
    gemini.behaviour.delay_seconds = 3
    with pytest.raises(UpstreamUnavailable):
        await gemini_adapter(gemini, timeout=0.5).complete("s", CONVERSATION)


async def test_openai_compatible_request_and_usage(openai_server):
    model = openai_adapter(openai_server)
    completion = await model.complete("You are terse.", CONVERSATION)
    assert completion.text == openai_server.behaviour.reply
    assert completion.output_tokens == len(openai_server.behaviour.reply.split())
    assert completion.input_tokens > 0
    [request] = openai_server.behaviour.requests
    body = request["body"]
    assert body["model"] == "fake"
    assert not body.get("stream")
    assert body["messages"][0] == {"role": "system", "content": body["messages"][0]["content"]}
    assert body["messages"][0]["content"].startswith("You are terse.")
    assert [m["content"] for m in body["messages"][1:]] == ["hi", "hello", "Where do I live?"]
    assert request["headers"]["authorization"] == "Bearer k"


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, UpstreamUnavailable), (429, UpstreamRateLimited), (500, UpstreamUnavailable)],
)
async def test_openai_compatible_errors(openai_server, status, error):
    openai_server.behaviour.status = status
    with pytest.raises(error):
        await openai_adapter(openai_server).complete("s", CONVERSATION)


async def test_openai_compatible_context_overflow(openai_server):
    openai_server.behaviour.status = 400
    openai_server.behaviour.error_body = {
        "error": {
            "code": 400,
            "message": "request (3031 tokens) exceeds the available context size (2048 tokens)",
            "type": "exceed_context_size_error",
        }
    }
    with pytest.raises(ContextTooLong):
        await openai_adapter(openai_server).complete("s", CONVERSATION)


async def test_unreachable_server_is_unavailable():
    model = AgnoLanguageModel(
        openai_like_model(
            model_id="x", base_url="http://127.0.0.1:9/v1", api_key=None, timeout=2, max_tokens=8
        ),
        INFO,
    )
    with pytest.raises(UpstreamUnavailable):
        await model.complete("s", CONVERSATION)


async def test_openai_compatible_stream_usage(openai_server):
    events = [e async for e in openai_adapter(openai_server).stream("s", CONVERSATION)]
    assert isinstance(events[-1], Completion)
    assert events[-1].text == "".join(e.text for e in events[:-1] if isinstance(e, TextDelta))
    assert events[-1].output_tokens > 0
    [request] = openai_server.behaviour.requests
    assert request["body"]["stream"] is True


async def test_decoding_settings_reach_the_server_and_extraction_keeps_its_own(openai_server):
    def model(**sampling):
        return openai_like_model(
            model_id="fake", base_url=openai_server.base_url, api_key="k", timeout=5.0, **sampling
        )

    adapter = AgnoLanguageModel(
        model(
            max_tokens=64,
            temperature=0.0,
            top_p=0.9,
            top_k=40,
            repeat_penalty=1.1,
            stop=["\n\n", "User:"],
        ),
        INFO,
        extraction_model=model(max_tokens=512),
    )
    await adapter.complete("Be brief.", CONVERSATION)
    with pytest.raises(InvalidInput):  # the fake answers prose; only the request matters
        await adapter.extract("Extract.", "I live in Delhi.", {"type": "object"})
    chat, extraction = (r["body"] for r in openai_server.behaviour.requests)
    assert chat["max_tokens"] == 64
    assert chat["temperature"] == 0.0
    assert chat["top_p"] == 0.9
    assert chat["stop"] == ["\n\n", "User:"]
    # llama.cpp's own sampling fields travel as extras in the body
    assert chat["top_k"] == 40
    assert chat["repeat_penalty"] == 1.1
    assert extraction["max_tokens"] == 512
    assert not {"stop", "temperature", "top_k", "repeat_penalty"} & set(extraction)


@pytest.mark.parametrize("status", [429, 500])
async def test_stream_errors_map_too(gemini, status):
    gemini.behaviour.status = status
    error = UpstreamRateLimited if status == 429 else UpstreamUnavailable
    with pytest.raises(error):
        async for _ in gemini_adapter(gemini).stream("s", CONVERSATION):
            pass
