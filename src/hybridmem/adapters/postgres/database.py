"""Connection pool, embedded server and error translation."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from hybridmem.adapters.postgres.embedded import EmbeddedPostgres
from hybridmem.adapters.postgres.timestamps import register_safe_timestamps
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.ports.health import Health

__all__ = [
    "Connection",
    "Database",
    "EmbeddedPostgres",
    "ExternalPostgres",
    "PostgresServer",
    "check_connection",
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


# A password in a URL (``user:secret@``) or in key=value form, wherever libpq echoes it.
_URL_PASSWORD = re.compile(r"""([\w.%+-]+:)[^\s"'@/]*@""")
_OPTION_PASSWORD = re.compile(r"""(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s"']+)""", re.IGNORECASE)
# Failures that retrying cannot fix: the server answered and refused, or libpq refused the
# URL before connecting.
_PERMANENT = (
    "authentication failed",
    "does not exist",
    "no pg_hba.conf entry",
    "permission denied",
)
# libpq's prefix when it refuses the URL itself (e.g. an invalid port) before connecting.
_BAD_URL = "connection is bad: "


def _redacted(text: str) -> str:
    return _OPTION_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def _one_line(exc: BaseException) -> str:
    """libpq's message on one line, without any password it may echo."""
    text = str(exc).strip().removeprefix("connection failed: ")
    return _redacted("; ".join(line.strip() for line in text.splitlines() if line.strip()))


async def check_connection(dsn: str, *, wait_seconds: float) -> None:
    """Wait up to ``wait_seconds`` until one connection to ``dsn`` succeeds.

    A malformed URL, an unknown role or database and bad credentials fail at once (no
    wait fixes them); a server that refuses or does not answer yet is retried until the
    deadline, so a database starting next to the service is waited for. Failures are
    ``UpstreamUnavailable`` with libpq's reason on one line (passwords masked).
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        remaining = deadline - time.monotonic()
        try:
            # libpq's connect_timeout is whole seconds, at least 2
            conn = await psycopg.AsyncConnection.connect(
                dsn, connect_timeout=max(2, round(remaining))
            )
        except psycopg.ProgrammingError as exc:
            raise UpstreamUnavailable(
                f"invalid database URL: {_one_line(exc)}", upstream="database"
            ) from exc
        except psycopg.OperationalError as exc:
            reason = _one_line(exc)
            if reason.startswith(_BAD_URL):
                raise UpstreamUnavailable(
                    f"invalid database URL: {reason.removeprefix(_BAD_URL)}", upstream="database"
                ) from exc
            if any(marker in reason for marker in _PERMANENT):
                raise UpstreamUnavailable(
                    f"the database refused the connection: {reason}", upstream="database"
                ) from exc
            if time.monotonic() + 0.5 >= deadline:
                raise UpstreamUnavailable(
                    f"cannot reach the database (waited {wait_seconds:g} s): {reason}",
                    upstream="database",
                ) from exc
            await asyncio.sleep(0.5)
        else:
            await conn.close()
            return


class Database:
    """A pooled async connection source that speaks in domain errors."""

    def __init__(
        self,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        acquire_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        statement_timeout_ms: int = 15_000,
    ) -> None:
        self.dsn = dsn
        self._statement_timeout_ms = statement_timeout_ms
        self._acquire_timeout = acquire_timeout
        self._connect_timeout = connect_timeout
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
        # UTC, so no stored time leaves Python's range by a session time zone; and a
        # timestamptz loader that cannot fail on a row stored out of range (timestamps.py)
        await conn.execute(
            f"SET statement_timeout = {int(self._statement_timeout_ms)}; SET TIME ZONE 'UTC'"
        )
        register_safe_timestamps(conn)

    async def open(self) -> None:
        """Wait (up to ``connect_timeout``) for the database, then open the pool.

        The startup wait is its own bound, not the per-request ``acquire_timeout``: a
        short acquire timeout (fail requests fast during an outage) must not make a
        start on a busy machine fail.
        """
        await check_connection(self.dsn, wait_seconds=self._connect_timeout)
        try:
            await self._pool.open(
                wait=True, timeout=max(self._connect_timeout, self._acquire_timeout)
            )
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

    async def health(self) -> Health:
        """The database answers a trivial query."""
        return Health(ok=await self.ping(), backend="postgresql")

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
    connect_timeout: float = 10.0,
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
        connect_timeout=connect_timeout,
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
