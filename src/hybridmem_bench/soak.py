"""``hybridmem bench soak``: many users for minutes against one server process; errors,
lost messages, and the server's resident memory over time (it must not keep growing)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx

from hybridmem_bench.fake_llm import fake_chat_process
from hybridmem_bench.load import drive
from hybridmem_bench.server import benchmark_env, running_server
from hybridmem_bench.stats import machine

#: Growth of resident memory, from the end of the warm-up to the end of the run, that
#: still counts as stable: allocator arenas and caches settle; a leak keeps climbing.
STABLE_GROWTH_FRACTION = 0.15


def require_psutil() -> Any:
    """psutil (the ``bench`` extra), or a RuntimeError saying how to install it."""
    try:
        import psutil
    except ImportError as exc:
        raise RuntimeError(
            "bench soak reads the server's memory with psutil, which is not installed: "
            "pip install 'hybridmem[bench]' (or pip install psutil)"
        ) from exc
    return psutil


def _server_process(base_url: str) -> Any:
    psutil = require_psutil()
    port = str(httpx.URL(base_url).port)
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info.get("cmdline") or []
        if "serve" in cmdline and "--port" in cmdline and port in cmdline:
            return process
    raise RuntimeError(f"no server process on port {port}")


async def _sample_rss(process: Any, every: float, samples: list[tuple[float, float]]) -> None:
    psutil = require_psutil()
    started = time.monotonic()
    while True:
        with contextlib.suppress(psutil.Error):
            rss = process.memory_info().rss / 1024 / 1024
            samples.append((round(time.monotonic() - started, 1), round(rss, 1)))
        await asyncio.sleep(every)


async def run_soak(
    *,
    users: int,
    seconds: float,
    model_delay: float,
    think_seconds: float,
    database_url: str | None,
    sample_every: float = 5.0,
    progress: bool = False,
) -> dict[str, Any]:
    """Drive the server for ``seconds`` and sample its memory every ``sample_every``
    (RuntimeError before anything starts when psutil is missing)."""
    require_psutil()
    with fake_chat_process(model_delay) as model_url:
        env = benchmark_env(model_url, database_url)
        with running_server(env, purpose="soak") as base_url:
            process = _server_process(base_url)
            samples: list[tuple[float, float]] = []
            sampler = asyncio.create_task(_sample_rss(process, sample_every, samples))
            try:
                result = await drive(
                    base_url,
                    users=users,
                    seconds=seconds,
                    think_seconds=think_seconds,
                    progress=progress,
                )
            finally:
                sampler.cancel()
                await asyncio.gather(sampler, return_exceptions=True)
    warm = [rss for at, rss in samples if at >= seconds * 0.2] or [rss for _, rss in samples]
    growth = (warm[-1] - warm[0]) / warm[0] if warm and warm[0] else 0.0
    return {
        "benchmark": "soak",
        "machine": machine(),
        "model_delay_ms": round(model_delay * 1000),
        "database": "--database-url" if database_url else "embedded",
        **result,
        "rss_mib": samples,
        "rss_growth_after_warmup": round(growth, 3),
        "rss_stable": growth <= STABLE_GROWTH_FRACTION,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """Markdown of a soak report."""
    m = report["machine"]
    messages = report["messages"]
    timeline = ", ".join(f"{at:g}s {rss:g}" for at, rss in report["rss_mib"])
    return "\n".join(
        [
            f"Run {m['date']} on {m['cpus']} CPUs; {report['users']} users for "
            f"{report['seconds']} s; think time {report['think_ms']} ms; model "
            f"{report['model_delay_ms']} ms; database: {report['database']}.",
            "",
            f"- requests: {report['requests']} ({report['throughput_per_s']}/s), "
            f"errors: {report['errors']}, 5xx: {report['server_errors_5xx']}",
            f"- messages acknowledged: {messages['acknowledged']}, found in history: "
            f"{messages['found_in_history']}, lost: {messages['lost']}",
            f"- server resident memory (MiB): {timeline}",
            f"- growth after warm-up: {report['rss_growth_after_warmup']:.1%} "
            f"({'stable' if report['rss_stable'] else 'GROWING'})",
        ]
    )
