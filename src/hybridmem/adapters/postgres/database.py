"""Connection pool, embedded server and error translation."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from hybridmem.adapters.postgres.embedded import EmbeddedPostgres
from hybridmem.domain.errors import UpstreamUnavailable

__all__ = [
    "Connection",
    "Database",
    "EmbeddedPostgres",
    "ExternalPostgres",
    "PostgresServer",
    "normalize_dsn",
    "open_database",
]

log = logging.getLogger(__name__)

Connection = psycopg.AsyncConnection[dict[str, Any]]

_DRIVER_SUFFIX = re.compile(r"^(postgres(?:ql)?)\+[a-z0-9_]+://")


def normalize_dsn(url: str) -> str:
    """Accept the URL forms hosting providers hand out.

    ``postgres://`` (Heroku, Railway) is understood by libpq as is; SQLAlchemy-style
    ``postgresql+asyncpg://`` is not, so the driver suffix is dropped. Query options
    such as ``sslmode=require`` pass through untouched.
    """
    return _DRIVER_SUFFIX.sub(r"\1://", url.strip())


class PostgresServer(Protocol):
    """Where the database runs: an external server or an embedded one."""

    async def start(self) -> str:
        """Make the server available and return its connection URL."""
        ...

    async def stop(self) -> None:
        """Release the server (stops an embedded one)."""
        ...


class ExternalPostgres:
    """A server someone else runs, reached through ``DATABASE_URL``."""

    def __init__(self, url: str) -> None:
        self._url = normalize_dsn(url)

    async def start(self) -> str:
        """Return the URL; the server is already running."""
        return self._url

    async def stop(self) -> None:
        """Nothing to stop."""


class Database:
    """A pooled async connection source that speaks in domain errors."""

    def __init__(
        self,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        acquire_timeout: float = 10.0,
        statement_timeout_ms: int = 15_000,
    ) -> None:
        self.dsn = dsn
        self._statement_timeout_ms = statement_timeout_ms
        self._acquire_timeout = acquire_timeout
        self._pool = AsyncConnectionPool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            open=False,
            timeout=acquire_timeout,
            kwargs={"autocommit": True, "row_factory": dict_row},
            configure=self._configure,
            # No per-checkout check (a round trip on every borrow): a connection broken by
            # a server restart fails its request once and the pool replaces it.
            name="hybridmem",
        )

    async def _configure(self, conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.execute(f"SET statement_timeout = {int(self._statement_timeout_ms)}")

    async def open(self) -> None:
        """Open the pool and wait until one connection works."""
        try:
            await self._pool.open(wait=True, timeout=self._acquire_timeout)
        except PoolTimeout as exc:
            raise UpstreamUnavailable("database is unreachable", upstream="database") from exc

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._pool.close()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """Borrow a connection in autocommit mode."""
        try:
            async with self._pool.connection() as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise UpstreamUnavailable("database is unavailable", upstream="database") from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Borrow a connection inside one transaction (committed on success)."""
        async with self.connection() as conn, conn.transaction():
            yield conn

    async def ping(self) -> bool:
        """Whether a trivial query succeeds."""
        try:
            async with self.connection() as conn:
                await conn.execute("SELECT 1")
        except UpstreamUnavailable:
            return False
        return True


@asynccontextmanager
async def open_database(
    server: PostgresServer,
    *,
    min_size: int = 1,
    max_size: int = 10,
    acquire_timeout: float = 10.0,
    statement_timeout_ms: int = 15_000,
    migrate: bool = True,
) -> AsyncIterator[Database]:
    """Start the server, open a pool, apply migrations; undo it all on exit."""
    from hybridmem.adapters.postgres.migrations import apply_migrations

    dsn = await server.start()
    database = Database(
        dsn,
        min_size=min_size,
        max_size=max_size,
        acquire_timeout=acquire_timeout,
        statement_timeout_ms=statement_timeout_ms,
    )
    try:
        await database.open()
        if migrate:
            await apply_migrations(database)
        yield database
    finally:
        await database.close()
        await server.stop()
