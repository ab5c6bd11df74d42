"""``hybridmem bench chat``: the service's own overhead per chat turn.

The model is an OpenAI-compatible fake that answers after a fixed delay, so everything
beyond that delay is ours: HTTP, auth, storing both messages with their jobs, memory
recall, context assembly, the Agno call path. Overhead = client-observed latency minus the
model time the service reports (and, separately, the service's total minus model time).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Any

import httpx

from hybridmem_bench.fake_llm import fake_chat_process
from hybridmem_bench.http_users import sign_up
from hybridmem_bench.progress import Progress
from hybridmem_bench.server import benchmark_env, running_server
from hybridmem_bench.stats import machine, number, summary_ms

MESSAGES = (
    "I live in Delhi and like chess.",
    "Where do I live?",
    "My dog's name is Bruno.",
    "What do I like?",
    "I work at Globex as an engineer.",
    "Tell me something about my week.",
)


async def _user(client: httpx.AsyncClient, index: int) -> dict[str, str]:
    return await sign_up(client, f"bench-{uuid.uuid4().hex[:10]}-{index}")


async def _run_level(
    base_url: str, concurrency: int, turns_per_user: int, think_seconds: float, bar: Progress
) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        users = [await _user(client, i) for i in range(concurrency)]
        client_overhead: list[float] = []
        service_overhead: list[float] = []
        errors = 0

        async def one_user(headers: dict[str, str], turns: int, record: bool) -> None:
            nonlocal errors
            session = uuid.uuid4().hex[:12]
            rng = random.Random(session)  # noqa: S311 - load shape, not security
            for turn in range(turns):
                if think_seconds:
                    # a person reads the answer before writing again; without this pause
                    # every user stays in lockstep and all requests arrive in one burst
                    await asyncio.sleep(rng.uniform(0, 2 * think_seconds))
                started = time.perf_counter()
                response = await client.post(
                    "/api/chat",
                    headers=headers,
                    json={"session_id": session, "message": MESSAGES[turn % len(MESSAGES)]},
                )
                elapsed = time.perf_counter() - started
                if not record:
                    continue
                bar.advance()
                if response.status_code != 200:
                    errors += 1
                    continue
                timings = response.json()["timings"]
                model_s = timings["model_ms"] / 1000
                client_overhead.append(elapsed - model_s)
                service_overhead.append((timings["total_ms"] - timings["model_ms"]) / 1000)

        # One uncounted turn per user first: lazy imports and first-use caches are not
        # what a running service pays per turn.
        await asyncio.gather(*(one_user(headers, 1, False) for headers in users))
        started = time.perf_counter()
        await asyncio.gather(*(one_user(headers, turns_per_user, True) for headers in users))
        wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "turns": len(client_overhead),
        "errors": errors,
        "throughput_turns_per_s": round(len(client_overhead) / wall, 1),
        "overhead": summary_ms(client_overhead),
        "service_overhead": summary_ms(service_overhead),
    }


async def run_chat_benchmark(
    *,
    levels: list[int],
    turns_per_user: int,
    model_delay: float,
    database_url: str | None,
    think_seconds: float = 0.0,
    progress: bool = False,
) -> dict[str, Any]:
    """Start the fake model and the service, then measure each concurrency level."""
    bar = Progress(sum(levels) * turns_per_user, "turns", enabled=progress)
    with fake_chat_process(model_delay) as model_url:
        env = benchmark_env(model_url, database_url)
        with running_server(env, purpose="chat") as base_url:
            results = [
                await _run_level(base_url, level, turns_per_user, think_seconds, bar)
                for level in levels
            ]
    bar.close()
    return {
        "machine": machine(),
        "model_delay_ms": round(model_delay * 1000),
        "think_ms": round(think_seconds * 1000),
        "turns_per_user": turns_per_user,
        "database": "--database-url" if database_url else "embedded",
        "levels": results,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """A markdown table of a chat benchmark report."""
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs; model answers after {report['model_delay_ms']} ms; "
        f"think time {report['think_ms']} ms on average (uniform 0–2×); "
        f"{report['turns_per_user']} turns per user; database: {report['database']}.",
        "",
        "| concurrent users | turns | errors | turns/s | overhead p50 ms | p99 ms "
        "| in-service p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level in report["levels"]:
        o, s = level["overhead"], level["service_overhead"]
        lines.append(
            f"| {level['concurrency']} | {level['turns']} | {level['errors']} | "
            f"{number(level['throughput_turns_per_s'])} | {number(o['p50_ms'])} | "
            f"{number(o['p99_ms'])} | {number(s['p50_ms'])} | {number(s['p99_ms'])} |"
        )
    return "\n".join(lines)
