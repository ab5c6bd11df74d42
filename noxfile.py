"""Developer sessions: ``nox -s tests lint typecheck architecture``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "architecture"]
nox.options.reuse_existing_virtualenvs = True


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, contract, integration, e2e; live ones skip without keys)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy (strict on domain and ports)."""
    session.install("-e", ".[lint]")
    session.run("mypy")


@nox.session(python="3.11")
def architecture(session: nox.Session) -> None:
    """import-linter: the hexagonal dependency rule."""
    session.install("-e", ".[lint]")
    session.run("lint-imports")
