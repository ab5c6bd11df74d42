"""Where a benchmark runs through the library API: the ``--database-url`` option, a scratch
embedded PostgreSQL removed afterwards, and writing the JSON report."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hybridmem.service.cli_support import check_database_or_exit
from hybridmem.service.cli_support import settings_or_exit as _settings
from hybridmem.service.library import Memory

#: Where a benchmark runs: a PostgreSQL given here, else an embedded one in a temporary
#: directory removed afterwards. ``DATABASE_URL`` is deliberately not read: a benchmark's
#: throwaway users and load never land in the database your service uses.
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="PostgreSQL for the run (default: an embedded one in a temp dir)"
    ),
]


def on_scratch_memory(
    name: str,
    database_url: str | None,
    work: Callable[[Memory], Awaitable[dict[str, Any]]],
    **settings: Any,
) -> dict[str, Any]:
    """Run a benchmark through the library API on the given PostgreSQL or, by default, on
    an embedded one in a temporary directory, removed afterwards; model extraction off, so
    no model starts."""
    import hybridmem

    check_database_or_exit(database_url, _settings(log_level="WARNING"))
    data_dir = Path(tempfile.mkdtemp(prefix=f"hybridmem-bench-{name}-"))

    async def run() -> dict[str, Any]:
        async with hybridmem.open_memory(
            database_url or None,
            data_dir=data_dir,
            log_level="WARNING",
            llm_extraction="off",
            **settings,
        ) as memory:
            return await work(memory)

    try:
        return asyncio.run(run())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def write_report(report: dict[str, Any], output: Path | None) -> None:
    """Write the JSON report to ``output``, when given."""
    if output is not None:
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
