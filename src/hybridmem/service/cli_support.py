"""Helpers shared by the ``hybridmem`` commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer

from hybridmem.service.container import Container, resolve
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


async def with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run ``work(container)`` with the container's resources up, then shut them down."""
    container = Container(settings=settings)
    await resolve(container.init_resources())
    try:
        return await work(container)
    finally:
        await resolve(container.shutdown_resources())
