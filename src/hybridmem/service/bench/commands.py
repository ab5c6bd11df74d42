"""``hybridmem bench …``: benchmark commands (harnesses, not product code)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hybridmem.service.cli_support import settings_or_exit as _settings
from hybridmem.service.cli_support import with_container
from hybridmem.service.container import Container

bench_app = typer.Typer(help="Benchmarks (results go to docs/benchmarks.md).", no_args_is_help=True)


@bench_app.command("memory")
def bench_memory(
    sizes: Annotated[str, typer.Option(help="Comma-separated fact counts")] = "1000,10000,100000",
    queries: Annotated[int, typer.Option(min=1)] = 300,
    pipeline_messages: Annotated[int, typer.Option(min=1)] = 200,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
) -> None:
    """Ingest throughput and search latency (p50/p95/p99) at growing fact counts."""
    from hybridmem.service.bench.memory import render_markdown, run_memory_benchmark

    counts = [int(part) for part in sizes.split(",") if part.strip()]

    async def work(container: Container) -> dict[str, Any]:
        return await run_memory_benchmark(
            container, sizes=counts, queries=queries, pipeline_messages=pipeline_messages
        )

    report = asyncio.run(with_container(_settings(log_level="WARNING"), work))
    if output is not None:
        output.write_text(json.dumps(report, indent=2))
    typer.echo(render_markdown(report))


@bench_app.command("chat")
def bench_chat(
    concurrency: Annotated[str, typer.Option(help="Comma-separated user counts")] = "1,8,32",
    turns: Annotated[int, typer.Option(min=1, help="Chat turns per user")] = 10,
    model_delay_ms: Annotated[int, typer.Option(min=0)] = 200,
    think_ms: Annotated[
        int, typer.Option(min=0, help="Mean pause between a user's turns (0: lockstep)")
    ] = 0,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
) -> None:
    """Server overhead per chat turn (latency minus model time) at several concurrencies,
    against a fake OpenAI-compatible model with a fixed delay."""
    from hybridmem.service.bench.chat import render_markdown, run_chat_benchmark

    settings = _settings()
    report = asyncio.run(
        run_chat_benchmark(
            levels=[int(part) for part in concurrency.split(",") if part.strip()],
            turns_per_user=turns,
            model_delay=model_delay_ms / 1000,
            database_url=settings.database_url,
            think_seconds=think_ms / 1000,
        )
    )
    if output is not None:
        output.write_text(json.dumps(report, indent=2))
    typer.echo(render_markdown(report))
