"""Text embeddings for semantic similarity (optional)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    """Turns texts into vectors whose cosine similarity reflects meaning.

    Contract: ``embed`` returns one vector of ``dimensions`` floats per text, in order,
    L2-normalized (so a dot product is the cosine similarity); the same text always gives
    the same vector. It may be CPU-heavy: callers run it off the event loop.
    """

    @property
    def dimensions(self) -> int:
        """Length of every vector."""
        ...

    @property
    def name(self) -> str:
        """A stable model name (stored next to vectors, so a model change is detectable)."""
        ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed a batch of texts."""
        ...
