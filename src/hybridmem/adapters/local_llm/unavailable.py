"""A language model that is not there: every call explains why (the service still runs)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.ports.health import Health
from hybridmem.ports.llm import ChatMessage, Completion, ModelInfo, StreamEvent, Tool


class UnavailableLanguageModel:
    """Stands in when no model could be started, so memory features keep working."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self._info = ModelInfo(
            name="unavailable",
            context_tokens=4096,
            supports_tools=False,
            supports_structured_output=False,
        )

    @property
    def info(self) -> ModelInfo:
        """Nothing can be done."""
        return self._info

    async def health(self) -> Health:
        """Not usable, and why."""
        return Health(ok=False, backend=self._info.name, details={"reason": self.reason})

    def _error(self) -> UpstreamUnavailable:
        return UpstreamUnavailable(self.reason, upstream="language_model")

    async def complete(
        self, system: str, messages: Sequence[ChatMessage], *, tools: Sequence[Tool] = ()
    ) -> Completion:
        """Always refuses."""
        raise self._error()

    async def stream(
        self, system: str, messages: Sequence[ChatMessage], *, tools: Sequence[Tool] = ()
    ) -> AsyncIterator[StreamEvent]:
        """Always refuses."""
        raise self._error()
        yield  # pragma: no cover - makes this an async generator

    async def extract(
        self, instructions: str, text: str, schema: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """Always refuses."""
        raise self._error()
