"""``hybridmem bench …``: benchmark commands (harnesses, not product code)."""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from hybridmem.service.cli_support import check_database_or_exit
from hybridmem.service.cli_support import settings_or_exit as _settings
from hybridmem.service.library import Memory
from hybridmem_bench.embedding import bench_embedding
from hybridmem_bench.scale import bench_scale
from hybridmem_bench.scratch import DatabaseUrl
from hybridmem_bench.scratch import on_scratch_memory as _on_scratch_memory
from hybridmem_bench.scratch import write_report as _write_report

bench_app = typer.Typer(
    help="Benchmarks (results go to docs/benchmarks.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

bench_app.command("embedding")(bench_embedding)
bench_app.command("scale")(bench_scale)


@bench_app.command("memory")
def bench_memory(
    sizes: Annotated[str, typer.Option(help="Comma-separated fact counts")] = "1000,10000,100000",
    queries: Annotated[int, typer.Option(min=1)] = 300,
    pipeline_messages: Annotated[int, typer.Option(min=1)] = 200,
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
    embeddings: Annotated[
        str | None,
        typer.Option(help="Semantic fact search: auto, on or off (default: the environment's)"),
    ] = None,
) -> None:
    """Ingest throughput and recall latency (p50/p95/p99) at growing fact counts, through
    the library API. Never touches your data: a temporary data dir (or --database-url)
    and fresh users; no chat model is started."""
    from hybridmem_bench.memory import render_markdown, run_memory_benchmark

    counts = _ints(sizes)
    if not counts or min(counts) < 1:
        raise typer.BadParameter("positive integers, e.g. 1000,10000", param_hint="--sizes")
    if embeddings not in (None, "auto", "on", "off"):
        raise typer.BadParameter("auto, on or off", param_hint="--embeddings")
    chosen = _settings(log_level="WARNING", embeddings=embeddings).embeddings

    async def work(memory: Memory) -> dict[str, Any]:
        return await run_memory_benchmark(
            memory,
            sizes=counts,
            queries=queries,
            pipeline_messages=pipeline_messages,
            progress=progress,
        )

    report = _on_scratch_memory("memory", database_url, work, embeddings=chosen)
    report["embeddings"] = chosen
    _write_report(report, output)
    typer.echo(render_markdown(report))


@bench_app.command("chat")
def bench_chat(
    concurrency: Annotated[str, typer.Option(help="Comma-separated user counts")] = "1,8,32",
    turns: Annotated[int, typer.Option(min=1, help="Chat turns per user")] = 10,
    model_delay_ms: Annotated[int, typer.Option(min=0)] = 200,
    think_ms: Annotated[
        int, typer.Option(min=0, help="Mean pause between a user's turns (0: lockstep)")
    ] = 0,
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """Server overhead per chat turn (latency minus model time) at several concurrencies,
    against a fake OpenAI-compatible model with a fixed delay."""
    from hybridmem_bench.chat import render_markdown, run_chat_benchmark

    check_database_or_exit(database_url, _settings())
    report = asyncio.run(
        run_chat_benchmark(
            levels=[int(part) for part in concurrency.split(",") if part.strip()],
            turns_per_user=turns,
            model_delay=model_delay_ms / 1000,
            database_url=database_url,
            think_seconds=think_ms / 1000,
            progress=progress,
        )
    )
    _write_report(report, output)
    typer.echo(render_markdown(report))


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


@bench_app.command("retrieval")
def bench_retrieval(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="LoCoMo-format JSON file")
    ],
    k: Annotated[str, typer.Option("--k", help="Comma-separated k values")] = "1,5,10,25,50",
    baseline: Annotated[
        str | None, typer.Option(help="Also score a baseline over the raw turns: bm25")
    ] = None,
    mapping: Annotated[
        str, typer.Option(help="Speakers → users: per-speaker (default), mirrored or one-user")
    ] = "per-speaker",
    database_url: DatabaseUrl = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Embedded PostgreSQL data dir to use (default: a temporary one)"),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    keep: Annotated[bool, typer.Option(help="Keep the benchmark's users afterwards")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
    embeddings: Annotated[
        str | None,
        typer.Option(help="Semantic fact search: auto, on or off (default: the environment's)"),
    ] = None,
    samples_filter: Annotated[
        str | None,
        typer.Option(
            "--samples",
            help="Comma-separated sample ids to run (default: all), e.g. conv-26,conv-30",
        ),
    ] = None,
) -> None:
    """Evidence recall@k of Memory.retrieve on LoCoMo-format conversations (per category),
    context tokens and search latency; optionally beside a plain BM25 over the turns."""
    import hybridmem
    from hybridmem_bench.retrieval import (
        MAPPINGS,
        load_file,
        render_markdown,
        run_retrieval_benchmark,
    )

    if baseline not in (None, "bm25"):
        raise typer.BadParameter("the only baseline is bm25", param_hint="--baseline")
    if mapping not in MAPPINGS:
        raise typer.BadParameter(f"one of {', '.join(MAPPINGS)}", param_hint="--mapping")
    ks = _ints(k)
    if not ks or min(ks) < 1:
        raise typer.BadParameter("positive integers, e.g. 1,5,10", param_hint="--k")
    try:
        samples = load_file(file)
    except (ValueError, KeyError, TypeError) as exc:
        typer.echo(f"cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    if samples_filter:
        wanted = [part.strip() for part in samples_filter.split(",") if part.strip()]
        unknown = sorted(set(wanted) - {sample.sample_id for sample in samples})
        if unknown:
            raise typer.BadParameter(
                f"no such samples: {', '.join(unknown)}", param_hint="--samples"
            )
        samples = [sample for sample in samples if sample.sample_id in wanted]
    if embeddings not in (None, "auto", "on", "off"):
        raise typer.BadParameter("auto, on or off", param_hint="--embeddings")
    settings = _settings(log_level="WARNING", embeddings=embeddings)
    check_database_or_exit(database_url, settings)
    scratch = None if database_url or data_dir else Path(tempfile.mkdtemp(prefix="hybridmem-"))
    directory = None if database_url else (data_dir or scratch)

    async def work() -> dict[str, Any]:
        async with hybridmem.open_memory(
            database_url, data_dir=directory, log_level="WARNING", embeddings=settings.embeddings
        ) as memory:
            report = await run_retrieval_benchmark(
                memory,
                samples,
                ks=ks,
                baseline=baseline,
                mapping=mapping,
                progress=progress,
                keep=keep,
                source=file.name,
            )
        report["embeddings"] = settings.embeddings
        report["database"] = "--database-url" if database_url else "embedded"
        return report

    try:
        report = asyncio.run(work())
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    _write_report(report, output)
    typer.echo(render_markdown(report))


@bench_app.command("load")
def bench_load(
    users: Annotated[int, typer.Option(min=1, max=256, help="Concurrent simulated users")] = 32,
    seconds: Annotated[float, typer.Option(min=1, max=600, help="How long they keep going")] = 30,
    model_delay_ms: Annotated[int, typer.Option(min=0, max=60_000)] = 200,
    think_ms: Annotated[
        int, typer.Option(min=0, max=60_000, help="Mean pause between a user's requests")
    ] = 0,
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """N users (signup, login, chat, memory view, search) for T seconds against a server
    started on loopback with a fake model; per-endpoint throughput, errors, p50/p95/p99,
    and acknowledged versus stored messages. Exits 1 when a message was lost or a 5xx
    was returned."""
    from hybridmem_bench.load import render_markdown, run_load_benchmark

    check_database_or_exit(database_url, _settings())
    report = asyncio.run(
        run_load_benchmark(
            users=users,
            seconds=seconds,
            model_delay=model_delay_ms / 1000,
            database_url=database_url,
            think_seconds=think_ms / 1000,
            progress=progress,
        )
    )
    _write_report(report, output)
    typer.echo(render_markdown(report))
    if report["messages"]["lost"] or report["server_errors_5xx"]:
        raise typer.Exit(1)


@bench_app.command("login")
def bench_login(
    junk: Annotated[int, typer.Option(min=1, max=256, help="Concurrent junk login clients")] = 32,
    seconds: Annotated[float, typer.Option(min=1, max=600, help="Length of each scenario")] = 30,
    scenarios: Annotated[
        str, typer.Option(help="Comma-separated: alone, other-address, same-address")
    ] = "alone,other-address,same-address",
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """A real user's login latency (p50/p95/max) while junk logins (unknown emails, wrong
    passwords) hammer a server on loopback with production bcrypt cost; what the junk got."""
    from hybridmem_bench.login import SCENARIOS, render_markdown, run_login_benchmark

    chosen = [part.strip() for part in scenarios.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown or not chosen:
        raise typer.BadParameter(f"one or more of {', '.join(SCENARIOS)}", param_hint="--scenarios")
    check_database_or_exit(database_url, _settings())
    report = asyncio.run(
        run_login_benchmark(
            junk=junk,
            seconds=seconds,
            scenarios=chosen,
            database_url=database_url,
            progress=progress,
        )
    )
    _write_report(report, output)
    typer.echo(render_markdown(report))


@bench_app.command("plot")
def bench_plot(
    memory: Annotated[
        Path | None, typer.Option(exists=True, help="A `bench memory --output` report")
    ] = None,
    retrieval: Annotated[
        list[str] | None,
        typer.Option(help="TITLE=FILE of a `bench retrieval --output` report; repeatable"),
    ] = None,
    out_dir: Annotated[Path, typer.Option(help="Where the PNGs go")] = Path("docs/img"),
) -> None:
    """PNG plots for docs/benchmarks.md: search latency against facts per user, and
    recall@k of hybridmem against BM25 (needs matplotlib)."""
    from hybridmem_bench.plots import plot_recall, plot_search_latency

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        if memory is not None:
            report = json.loads(memory.read_text())
            typer.echo(plot_search_latency(report, out_dir / "search-latency.png"))
        if retrieval:
            panels = []
            for entry in retrieval:
                title, _, name = entry.rpartition("=")
                path = Path(name)
                panels.append((title or path.stem, json.loads(path.read_text())))
            typer.echo(plot_recall(panels, out_dir / "recall-at-k.png"))
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc


@bench_app.command("soak")
def bench_soak(
    users: Annotated[int, typer.Option(min=1, max=256)] = 50,
    seconds: Annotated[int, typer.Option(min=5, max=3600)] = 300,
    think_ms: Annotated[int, typer.Option(min=0)] = 1000,
    model_delay_ms: Annotated[int, typer.Option(min=0)] = 100,
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """Many users for minutes against one server (loopback, self-stopping): errors, lost
    messages, and the server's resident memory over time."""
    from hybridmem_bench.soak import render_markdown, require_psutil, run_soak

    try:
        require_psutil()
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    check_database_or_exit(database_url, _settings())
    report = asyncio.run(
        run_soak(
            users=users,
            seconds=seconds,
            model_delay=model_delay_ms / 1000,
            think_seconds=think_ms / 1000,
            database_url=database_url,
            sample_every=max(2.0, seconds / 30),
            progress=progress,
        )
    )
    _write_report(report, output)
    typer.echo(render_markdown(report))
    failed = report["errors"] or report["messages"]["lost"] or not report["rss_stable"]
    raise typer.Exit(1 if failed else 0)


@bench_app.command("answers")
def bench_answers(
    cases: Annotated[
        Path,
        typer.Option(
            "--cases", exists=True, dir_okay=False, help="JSON-lines cases (default: the dev set)"
        ),
    ] = Path("tests/data/chat_recall_dev.jsonl"),
    database_url: DatabaseUrl = None,
    llm: Annotated[
        str, typer.Option(help="Which model answers: local (embedded, default) or configured")
    ] = "local",
    via_chat: Annotated[
        bool, typer.Option(help="State the facts as chat turns (default: store them as chat does)")
    ] = False,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """Does the chat answer from memory? Facts stated in one session, asked about in other
    words in a fresh one through the real chat turn: share of replies containing the
    remembered value, reply p50/p95, degenerate replies caught. Never touches your data:
    a temporary data dir (or --database-url) and fresh users."""
    import httpx

    from hybridmem_bench.answers import (
        REQUEST_TIMEOUT_S,
        load_cases,
        render_markdown,
        run_answers_benchmark,
    )
    from hybridmem_bench.server import running_server

    if llm not in ("local", "configured"):
        raise typer.BadParameter("local or configured", param_hint="--llm")
    try:
        loaded = load_cases(cases)
    except (OSError, ValueError) as exc:
        typer.echo(f"cannot read {cases}: {exc}", err=True)
        raise typer.Exit(2) from exc

    overrides = {"llm": "local"} if llm == "local" else {}
    settings = _settings(log_level="WARNING", **overrides)
    # a real server over HTTP: the replies, what memory put into the prompt and what the
    # service did to a degenerate reply are all in the chat body
    env = {f"HYBRIDMEM_{name.upper()}": value for name, value in overrides.items()}
    env |= {"HYBRIDMEM_CHAT_TURNS_PER_MINUTE": "0", "HYBRIDMEM_BCRYPT_ROUNDS": "4"}
    if database_url:
        env["DATABASE_URL"] = database_url

    async def work(base_url: str) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
            return await run_answers_benchmark(
                client,
                settings,
                loaded,
                statements_via_chat=via_chat,
                progress=progress,
                source=cases.name,
            )

    with running_server(env, purpose="answers") as base_url:
        report = asyncio.run(work(base_url))
    _write_report(report, output)
    typer.echo(render_markdown(report))


@bench_app.command("extraction")
def bench_extraction(
    cases: Annotated[
        Path, typer.Option("--cases", exists=True, dir_okay=False, help="Extraction JSON lines")
    ] = Path("tests/data/extraction_dev.jsonl"),
    updates: Annotated[
        Path, typer.Option("--updates", exists=True, dir_okay=False, help="Update JSON lines")
    ] = Path("tests/data/updates_dev.jsonl"),
    database_url: DatabaseUrl = None,
    output: Annotated[Path | None, typer.Option(help="Write the JSON report here")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr")] = True,
) -> None:
    """Facts and updates from labelled user messages through the production write path
    (router gate, extraction job, temporal rules, fact store): precision, recall, F1, and
    the share of conversations whose memory ends fully right. Fresh users, a temp data dir
    (or --database-url); the rule extractor only (no model extraction, no embeddings)."""
    from hybridmem_bench.extraction import render_markdown, run_extraction_benchmark
    from hybridmem_bench.extraction_scoring import (
        load_extraction_cases,
        load_update_cases,
    )

    try:
        loaded = load_extraction_cases(cases)
        conversations = load_update_cases(updates)
    except (OSError, ValueError) as exc:
        typer.echo(f"cannot read the cases: {exc}", err=True)
        raise typer.Exit(2) from exc

    async def work(memory: Memory) -> dict[str, Any]:
        return await run_extraction_benchmark(
            memory,
            loaded,
            conversations,
            progress=progress,
            sources=(cases.name, updates.name),
        )

    # the rule extractor only: no model extraction, no embeddings
    report = _on_scratch_memory("extraction", database_url, work, embeddings="off")
    _write_report(report, output)
    typer.echo(render_markdown(report))
