"""Helpers shared by the ``hybridmem`` commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from hybridmem.adapters.postgres.database import Database
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.service.container import Container
from hybridmem.service.services import Services, database_of, open_database, running
from hybridmem.service.settings import Settings

T = TypeVar("T")

# The exit code of a command that cannot use its configuration (settings, database).
CONFIGURATION_ERROR = 2


def settings_or_exit(**overrides: Any) -> Settings:
    """Settings from the environment (plus non-None overrides); exit 2 with the reason
    when they are invalid (e.g. a weak SECRET_KEY in production)."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(CONFIGURATION_ERROR) from exc


def _database_error(where: str, exc: UpstreamUnavailable) -> typer.Exit:
    typer.echo(f"database error ({where}): {exc.message}", err=True)
    return typer.Exit(CONFIGURATION_ERROR)


def check_database_or_exit(database_url: str | None, settings: Settings) -> None:
    """When a database URL is given, connect once (waiting up to
    ``HYBRIDMEM_DB_CONNECT_TIMEOUT_SECONDS``); exit 2 with one line on stderr when that
    fails, before a server or benchmark is started on it."""
    if not database_url:
        return
    from hybridmem.adapters.postgres.database import check_connection, normalize_dsn

    try:
        asyncio.run(
            check_connection(
                normalize_dsn(database_url), wait_seconds=settings.db_connect_timeout_seconds
            )
        )
    except UpstreamUnavailable as exc:
        raise _database_error("DATABASE_URL", exc) from exc


def _database_or_exit_message(settings: Settings) -> str:
    return (
        "DATABASE_URL" if settings.database_url else f"embedded PostgreSQL in {settings.data_dir}"
    )


async def _open_or_exit(container: Container, settings: Settings) -> None:
    # The database opens first and alone, so a wrong DATABASE_URL ends the command with
    # one line on stderr and exit code 2 (not a traceback from deep in the start-up).
    try:
        await open_database(container)
    except UpstreamUnavailable as exc:
        raise _database_error(_database_or_exit_message(settings), exc) from exc


async def with_services(
    settings: Settings,
    work: Callable[[Services], Awaitable[T]],
    *,
    with_model: bool = False,
    with_embedder: bool = False,
) -> T:
    """Run ``work(services)`` with the app's resources up — the language model and the
    embedder only when asked for — then shut them down."""
    container = Container(settings=settings)
    await _open_or_exit(container, settings)
    async with running(container, with_model=with_model, with_embedder=with_embedder) as services:
        return await work(services)


async def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work(database)`` with only the database up."""
    container = Container(settings=settings)
    await _open_or_exit(container, settings)
    async with database_of(container) as database:
        return await work(database)
