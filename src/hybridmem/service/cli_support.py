"""Helpers shared by the ``hybridmem`` commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from hybridmem.adapters.postgres.database import Database
from hybridmem.service.container import Container
from hybridmem.service.services import Services, database_of, running
from hybridmem.service.settings import Settings

T = TypeVar("T")


def settings_or_exit(**overrides: Any) -> Settings:
    """Settings from the environment (plus non-None overrides); exit 2 with the reason
    when they are invalid (e.g. a weak SECRET_KEY in production)."""
    try:
        return Settings(**{key: value for key, value in overrides.items() if value is not None})
    except ValueError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from exc


async def with_services(
    settings: Settings, work: Callable[[Services], Awaitable[T]], *, with_model: bool = False
) -> T:
    """Run ``work(services)`` with the app's resources up (the language model only when
    asked for), then shut them down."""
    async with running(Container(settings=settings), with_model=with_model) as services:
        return await work(services)


async def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work(database)`` with only the database up."""
    async with database_of(Container(settings=settings)) as database:
        return await work(database)
