"""``LanguageModel`` on Agno: one model object per process, a fresh Agent per request.

Agno reports model failures as a run with error status and only a message; the typed
exception is captured where the model raises it (per request, through a context
variable) and mapped to domain errors.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from hybridmem.domain.errors import (
    ContextTooLong,
    InvalidInput,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from hybridmem.domain.messages import Role
from hybridmem.ports.health import Health
from hybridmem.ports.llm import ChatMessage, Completion, ModelInfo, StreamEvent, TextDelta, Tool

# Agno reads this when an Agent is created; the constructor flag alone is overridden by it.
os.environ.setdefault("AGNO_TELEMETRY", "false")

from agno.agent import Agent, RunOutput
from agno.exceptions import (
    ContextWindowExceededError,
    ModelProviderError,
    ModelRateLimitError,
)
from agno.models.base import Model
from agno.models.google import Gemini
from agno.models.message import Message as AgnoMessage
from agno.models.openai.like import OpenAILike
from agno.run.agent import RunContentEvent, RunErrorEvent
from agno.run.base import RunStatus

log = logging.getLogger(__name__)

_captured: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "hybridmem_model_errors", default=None
)
_CONTEXT_MESSAGES = ("exceeds the available context size", "exceed_context_size", "too long")


def _remember(error: BaseException) -> None:
    sink = _captured.get()
    if sink is not None:
        sink.append(error)


class _CapturesErrors:
    """Records the provider exception of the current request before Agno swallows it.

    Mixed in before an Agno model class, so ``super()`` reaches the real calls.
    """

    async def ainvoke(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().ainvoke(*args, **kwargs)  # type: ignore[misc]
        except Exception as exc:
            _remember(exc)
            raise

    async def ainvoke_stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for item in super().ainvoke_stream(*args, **kwargs):  # type: ignore[misc]
                yield item
        except Exception as exc:
            _remember(exc)
            raise


@dataclass
class CapturingOpenAILike(_CapturesErrors, OpenAILike):
    """OpenAILike that records the provider exception of the current request."""


@dataclass
class CapturingGemini(_CapturesErrors, Gemini):
    """Gemini that records the provider exception of the current request."""


def domain_error(error: BaseException | None, message: str, *, upstream: str) -> UpstreamError:
    """Map what the provider raised (or, failing that, Agno's message) to a domain error."""
    status = getattr(error, "status_code", None)
    text = f"{message} {getattr(error, 'message', '')}".lower()
    if isinstance(error, ModelProviderError):
        error = ModelProviderError.classify(error)
    if isinstance(error, ModelRateLimitError) or status == 429 or "rate limit" in text:
        return UpstreamRateLimited("the language model is rate limited", upstream=upstream)
    if isinstance(error, ContextWindowExceededError) or any(p in text for p in _CONTEXT_MESSAGES):
        return ContextTooLong("the conversation is too long for the model", upstream=upstream)
    if status in (401, 403):
        log.error("the language model refused our credentials (HTTP %s)", status)
    return UpstreamUnavailable("the language model is unavailable", upstream=upstream)


def _agno_messages(messages: Sequence[ChatMessage]) -> list[AgnoMessage]:
    roles = {
        Role.USER: "user",
        Role.ASSISTANT: "assistant",
        Role.SYSTEM: "system",
        Role.TOOL: "user",
    }
    return [AgnoMessage(role=roles[m.role], content=m.content) for m in messages]


class AgnoLanguageModel:
    """Chat and structured extraction through an Agno model."""

    def __init__(
        self,
        model: Model,
        info: ModelInfo,
        *,
        structured: str = "openai",
        stream_completions: bool = False,
        extraction_model: Model | None = None,
    ) -> None:
        # Agno reads this whenever an Agent is created, and it overrides the constructor flag.
        os.environ["AGNO_TELEMETRY"] = "false"
        self._model = model
        # Chat decoding (a short cap, stop sequences) would cut JSON: extraction may use
        # another object for the same model.
        self._extraction_model = extraction_model or model
        self._info = info
        self._structured = structured
        self._stream_completions = stream_completions

    @property
    def info(self) -> ModelInfo:
        """What the model can do."""
        return self._info

    async def health(self) -> Health:
        """Configured and usable (no request is sent)."""
        return Health(ok=True, backend=self._info.name)

    def _agent(
        self, system: str, tools: Sequence[Tool], *, model: Model | None = None, **options: Any
    ) -> Agent:
        return Agent(
            model=model or self._model,
            instructions=system,
            tools=list(tools) if tools and self._info.supports_tools else None,
            telemetry=False,
            markdown=False,
            **options,
        )

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], *, tools: Sequence[Tool] = ()
    ) -> Completion:
        """Answer in one call, or through the stream where the server needs it (the
        embedded llama.cpp cannot shut down while a non-streamed request is in flight)."""
        if self._stream_completions:
            completion: Completion | None = None
            async for event in self.stream(system, messages, tools=tools):
                if isinstance(event, Completion):
                    completion = event
            assert completion is not None
            return completion
        errors: list[BaseException] = []
        token = _captured.set(errors)
        try:
            result = await self._agent(system, tools).arun(input=_agno_messages(messages))
        finally:
            _captured.reset(token)
        if result.status is RunStatus.error:
            raise domain_error(
                errors[-1] if errors else None, str(result.content), upstream=self._info.name
            )
        metrics = result.metrics
        return Completion(
            text=result.content if isinstance(result.content, str) else str(result.content or ""),
            input_tokens=int(getattr(metrics, "input_tokens", 0) or 0),
            output_tokens=int(getattr(metrics, "output_tokens", 0) or 0),
        )

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, tools: Sequence[Tool] = ()
    ) -> AsyncIterator[StreamEvent]:
        """Text deltas, then the completion with token counts."""
        errors: list[BaseException] = []
        token = _captured.set(errors)
        try:
            agent = self._agent(system, tools)
            pieces: list[str] = []
            final: RunOutput | None = None
            async for event in agent.arun(
                input=_agno_messages(messages), stream=True, yield_run_output=True
            ):
                if isinstance(event, RunContentEvent) and isinstance(event.content, str):
                    if event.content:
                        pieces.append(event.content)
                        yield TextDelta(event.content)
                elif isinstance(event, RunErrorEvent):
                    raise domain_error(
                        errors[-1] if errors else None,
                        str(event.content or ""),
                        upstream=self._info.name,
                    )
                elif isinstance(event, RunOutput):
                    final = event
            if final is not None and final.status is RunStatus.error:
                raise domain_error(
                    errors[-1] if errors else None, str(final.content), upstream=self._info.name
                )
            metrics = final.metrics if final is not None else None
            yield Completion(
                text="".join(pieces),
                input_tokens=int(getattr(metrics, "input_tokens", 0) or 0),
                output_tokens=int(getattr(metrics, "output_tokens", 0) or 0),
            )
        finally:
            _captured.reset(token)

    async def extract(
        self, instructions: str, text: str, schema: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """JSON conforming to ``schema`` (OpenAI-style structured output, or JSON mode)."""
        errors: list[BaseException] = []
        token = _captured.set(errors)
        try:
            if self._structured == "openai":
                output_schema: Any = {
                    "type": "json_schema",
                    "json_schema": {"name": "extraction", "schema": dict(schema), "strict": True},
                }
                agent = self._agent(
                    instructions, (), model=self._extraction_model, output_schema=output_schema
                )
            else:
                described = f"{instructions}\n\nAnswer with JSON matching this schema:\n"
                agent = self._agent(
                    described + json.dumps(schema),
                    (),
                    model=self._extraction_model,
                    use_json_mode=True,
                )
            result = await agent.arun(input=text)
        finally:
            _captured.reset(token)
        if result.status is RunStatus.error:
            raise domain_error(
                errors[-1] if errors else None, str(result.content), upstream=self._info.name
            )
        content = result.content
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except json.JSONDecodeError as exc:
                raise InvalidInput("the model did not answer with JSON") from exc
        if not isinstance(content, Mapping):
            raise InvalidInput("the model did not answer with a JSON object")
        return content


def openai_like_model(
    *,
    model_id: str,
    base_url: str,
    api_key: str | None,
    timeout: float,
    max_tokens: int,
    http_client: httpx.AsyncClient | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    repeat_penalty: float | None = None,
    stop: Sequence[str] | None = None,
) -> CapturingOpenAILike:
    """An OpenAI-compatible chat model (Ollama, vLLM, llama.cpp, LM Studio…), on the
    given pooled HTTP client (one per process and upstream).

    Unset decoding settings are left to the server. ``top_k`` and ``repeat_penalty`` are
    not OpenAI fields: they go in the request body as extras, which llama.cpp, LM Studio
    and vLLM read and others ignore.
    """
    extra = {
        name: value
        for name, value in (("top_k", top_k), ("repeat_penalty", repeat_penalty))
        if value is not None
    }
    return CapturingOpenAILike(
        id=model_id,
        base_url=base_url,
        api_key=api_key or "not-needed",
        timeout=timeout,
        max_retries=0,
        max_tokens=max_tokens,
        http_client=http_client,
        temperature=temperature,
        top_p=top_p,
        stop=list(stop) if stop else None,
        extra_body=extra or None,
    )


def model_http_client(*, timeout: float, keep_alive: bool) -> httpx.AsyncClient:
    """The pooled client for a model server. llama.cpp's server sometimes drops a
    kept-alive connection right after a stream, so it gets fresh (loopback) connections."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20 if keep_alive else 0)
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=5.0), limits=limits)


def gemini_model(
    *, model_id: str, api_key: str, timeout: float, base_url: str | None = None
) -> CapturingGemini:
    """Google Gemini with an explicit key (and optionally another endpoint, for tests)."""
    http_options: dict[str, Any] = {"timeout": int(timeout * 1000)}
    if base_url:
        http_options["base_url"] = base_url
    return CapturingGemini(
        id=model_id, api_key=api_key, client_params={"http_options": http_options}
    )
