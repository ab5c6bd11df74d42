"""pgvector columns, created on demand when an embedder is configured."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import psycopg

from hybridmem.adapters.postgres.database import Database
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.ports.embeddings import Embedder

log = logging.getLogger(__name__)

#: Nearest neighbours below this cosine similarity are not candidates. With
#: all-MiniLM-L6-v2, related question/fact pairs measured 0.28–0.47 ("tell me about my
#: puppy" / "Has a dog named Bruno" 0.47) and unrelated ones at most 0.21; without a
#: floor every query drags in its nearest (unrelated) rows.
MIN_SIMILARITY = 0.25


async def pgvector_available(database: Database) -> bool:
    """Whether this PostgreSQL can load the pgvector extension (installed, maybe not created)."""
    async with database.connection() as conn:
        row = await (
            await conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        ).fetchone()
    return row is not None


async def create_pgvector(database: Database) -> None:
    """``CREATE EXTENSION vector``, once at start: the first uses of two vector columns at once
    (a fact and a message job) would race on it, since IF NOT EXISTS does not guard against
    a concurrent creation. UpstreamUnavailable when the role may not create it."""
    try:
        async with database.transaction() as conn:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.errors.UniqueViolation:
        pass  # another process created it at the same moment
    except psycopg.Error as exc:
        raise UpstreamUnavailable(
            f"cannot create the pgvector extension ({type(exc).__name__}: {exc})".strip(),
            upstream="database",
        ) from exc


class EmbeddingBatcher:
    """Embeds the texts of concurrent callers in one forward pass.

    The job worker runs a batch of jobs at once (one per user), so its ``memory.index`` jobs
    arrive together: texts that come in while a pass runs wait for the next one and share
    it: the weights are read once per pass and the matrix products are larger (0–40% more
    messages per second measured, docs/benchmarks.md).
    """

    def __init__(self, embedder: Embedder, *, max_texts: int = 64) -> None:
        self._embedder = embedder
        self._max_texts = max_texts
        self._waiting: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
        self._running: asyncio.Task[None] | None = None

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """The texts' vectors, computed with whatever other texts are waiting."""
        future: asyncio.Future[list[list[float]]] = asyncio.get_running_loop().create_future()
        self._waiting.append((list(texts), future))
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._waiting:
            taken: list[tuple[list[str], asyncio.Future[list[list[float]]]]] = []
            count = 0
            while self._waiting and (not taken or count < self._max_texts):
                texts, future = self._waiting.pop(0)
                taken.append((texts, future))
                count += len(texts)
            batch = [text for texts, _ in taken for text in texts]
            try:
                vectors = await asyncio.to_thread(self._embedder.embed, batch)
            except Exception as exc:  # every caller of this pass hears the failure
                for _, future in taken:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for texts, future in taken:
                if not future.done():  # a cancelled caller is simply not answered
                    future.set_result(vectors[start : start + len(texts)])
                start += len(texts)


class VectorColumn:
    """One table's ``embedding`` column: prepared once per process, lazily."""

    def __init__(
        self, database: Database, embedder: Embedder | None, table: str, *, required: bool
    ) -> None:
        self._db = database
        self._embedder = embedder
        self._table = table
        self._required = required
        self._ready: bool | None = None if embedder is not None else False
        self._lock = asyncio.Lock()
        self._batcher = EmbeddingBatcher(embedder) if embedder is not None else None

    async def ready(self) -> bool:
        """Whether vectors are in use; on first call, make sure the column exists."""
        if self._ready is None:
            async with self._lock:
                if self._ready is None:
                    self._ready = await self._prepare()
        return self._ready

    async def _prepare(self) -> bool:
        assert self._embedder is not None
        dimensions = int(self._embedder.dimensions)
        # The service checks this once at start (one log line); this covers an adapter
        # built by hand, and an extension removed since.
        if not await pgvector_available(self._db):
            message = "the database has no pgvector extension; search uses text only"
            if self._required:
                raise UpstreamUnavailable(message, upstream="database")
            log.warning(message)
            return False
        async with self._db.transaction() as conn:
            # Idempotent DDL, run once per process when embeddings are switched on; the
            # dimension comes from the configured model. Table names are our constants.
            await conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            await conn.execute(
                f"ALTER TABLE {self._table} ADD COLUMN IF NOT EXISTS embedding vector({dimensions})"
            )
            await conn.execute(
                f"CREATE INDEX IF NOT EXISTS {self._table}_embedding_idx ON {self._table} "
                "USING hnsw (embedding vector_cosine_ops)"
            )
        return True

    async def embed(self, texts: Sequence[str], *, batched: bool = False) -> list[str]:
        """pgvector literals of the texts' embeddings (computed off the event loop).

        ``batched``: share a forward pass with concurrent callers (background work, where a
        little waiting costs nothing); a search's query goes alone, at once.
        """
        assert self._embedder is not None
        assert self._batcher is not None
        if batched:
            vectors = await self._batcher.embed(texts)
        else:
            vectors = await asyncio.to_thread(self._embedder.embed, list(texts))
        return ["[" + ",".join(f"{x:.7f}" for x in vector) + "]" for vector in vectors]
