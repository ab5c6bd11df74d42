"""Every command's help reads cleanly: flags show no value placeholder."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from hybridmem_bench.console import app


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    # a group (typer ships its own click, so no isinstance against the click package)
    for name, sub in getattr(command, "commands", {}).items():
        paths.extend(_command_paths(sub, (*prefix, name)))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_every_command_is_listed() -> None:
    assert ("serve",) in COMMANDS
    assert ("bench", "retrieval") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "hybridmem")
def test_help_shows_no_placeholder_for_flags(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--help" in result.output
