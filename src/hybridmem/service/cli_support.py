"""Helpers shared by the ``hybridmem`` commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.service.container import Container, resolve
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


async def with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run ``work(container)`` with the database open, then shut the resources down.

    The database opens first and alone, so a wrong ``DATABASE_URL`` ends the command with
    one line on stderr and exit code 2; other resources (the language model, the
    embedder) start only when ``work`` needs them.
    """
    container = Container(settings=settings)
    try:
        try:
            await resolve(container.database())
        except UpstreamUnavailable as exc:
            where = (
                "DATABASE_URL"
                if settings.database_url
                else f"embedded PostgreSQL in {settings.data_dir}"
            )
            raise _database_error(where, exc) from exc
        return await work(container)
    finally:
        await resolve(container.shutdown_resources())
