"""The language model behind chat and model-based extraction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hybridmem.domain.messages import Role
from hybridmem.domain.prompting import PromptStyle
from hybridmem.ports.health import Health

#: A tool the model may call: an async function with a docstring and typed arguments.
Tool = Callable[..., Awaitable[str]]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message of the conversation sent to the model."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What the configured model can do."""

    name: str
    context_tokens: int
    supports_tools: bool
    supports_structured_output: bool
    prompt_style: PromptStyle = PromptStyle.STANDARD  # COMPACT for very small models


@dataclass(frozen=True, slots=True)
class Completion:
    """The model's answer and what it cost."""

    text: str
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of a streamed answer."""

    text: str


StreamEvent = TextDelta | Completion


class LanguageModel(Protocol):
    """A chat model.

    Contract: failures surface as domain errors — ``UpstreamUnavailable`` (down, timed
    out, 5xx), ``UpstreamRateLimited`` (with ``retry_after`` when known),
    ``ContextTooLong``, ``Unauthenticated`` is never raised for the caller's credentials
    (a bad provider key is ``UpstreamUnavailable``). ``stream`` yields ``TextDelta``s and
    ends with exactly one ``Completion`` whose text is the deltas joined. Cancelling the
    consumer cancels the model call.
    """

    @property
    def info(self) -> ModelInfo:
        """Capabilities of the model."""
        ...

    async def health(self) -> Health:
        """Whether the model can be asked (from its configuration; sends no request, so a
        readiness probe costs nothing at a paid provider)."""
        ...

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], *, tools: Sequence[Tool] = ()
    ) -> Completion:
        """Answer the conversation."""
        ...

    def stream(
        self, system: str, messages: Sequence[ChatMessage], *, tools: Sequence[Tool] = ()
    ) -> AsyncIterator[StreamEvent]:
        """Answer the conversation piece by piece."""
        ...

    async def extract(
        self, instructions: str, text: str, schema: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """Structured output conforming to a JSON schema (``InvalidInput`` when the model
        returns something else)."""
        ...
