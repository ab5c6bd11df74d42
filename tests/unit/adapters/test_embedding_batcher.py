"""EmbeddingBatcher: concurrent callers share forward passes and each gets its own vectors."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hybridmem.adapters.postgres.vectors import EmbeddingBatcher
from tests.support.fakes import TrigramEmbedder


class RecordingEmbedder(TrigramEmbedder):
    """Records each call's texts; can hold a pass until released, or fail."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        self.failure: Exception | None = None

    def embed(self, texts):
        self.calls.append(list(texts))
        self.started.set()
        self.release.wait(timeout=10)
        if self.failure is not None:
            raise self.failure
        return super().embed(texts)


async def test_concurrent_callers_share_one_pass_and_get_their_own_vectors():
    embedder = RecordingEmbedder()
    batcher = EmbeddingBatcher(embedder)
    groups = [[f"message {i}"] for i in range(10)] + [["two", "texts"]]
    results = await asyncio.gather(*(batcher.embed(texts) for texts in groups))
    assert len(embedder.calls) == 1
    assert len(embedder.calls[0]) == 12
    for texts, vectors in zip(groups, results, strict=True):
        assert vectors == TrigramEmbedder().embed(texts)


async def test_texts_arriving_during_a_pass_share_the_next_one():
    embedder = RecordingEmbedder()
    embedder.release.clear()
    batcher = EmbeddingBatcher(embedder)
    first = asyncio.create_task(batcher.embed(["first"]))
    assert await asyncio.to_thread(embedder.started.wait, 10)  # the first pass runs (held)
    later = [asyncio.create_task(batcher.embed([f"later {i}"])) for i in range(5)]
    await asyncio.sleep(0.05)
    embedder.release.set()
    await asyncio.gather(first, *later)
    assert embedder.calls == [["first"], [f"later {i}" for i in range(5)]]


async def test_a_pass_is_bounded_by_max_texts():
    embedder = RecordingEmbedder()
    batcher = EmbeddingBatcher(embedder, max_texts=4)
    await asyncio.gather(*(batcher.embed([f"m{i}"]) for i in range(10)))
    assert [len(call) for call in embedder.calls] == [4, 4, 2]


async def test_a_failing_pass_fails_its_callers_and_the_next_pass_still_runs():
    embedder = RecordingEmbedder()
    embedder.failure = RuntimeError("model broke")
    batcher = EmbeddingBatcher(embedder)
    results = await asyncio.gather(
        batcher.embed(["a"]), batcher.embed(["b"]), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    embedder.failure = None
    assert await batcher.embed(["c"]) == TrigramEmbedder().embed(["c"])


async def test_a_cancelled_caller_does_not_break_the_others():
    embedder = RecordingEmbedder()
    embedder.release.clear()
    batcher = EmbeddingBatcher(embedder)
    kept = asyncio.create_task(batcher.embed(["kept"]))
    dropped = asyncio.create_task(batcher.embed(["dropped"]))
    assert await asyncio.to_thread(embedder.started.wait, 10)
    dropped.cancel()
    embedder.release.set()
    assert await kept == TrigramEmbedder().embed(["kept"])
    with pytest.raises(asyncio.CancelledError):
        await dropped
