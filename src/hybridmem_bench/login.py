"""``hybridmem bench login``: a real user's login latency while junk logins hammer.

A real server (production bcrypt cost, default login limits, its own embedded database)
runs on loopback. One real user logs in again and again, from 127.0.0.1. Meanwhile, in
another process (so the junk clients' own CPU use does not stall the user's client
loop), N concurrent clients send junk logins as fast as the server answers, ignoring
``Retry-After`` as an attacker would: half for unknown emails, half with wrong passwords
for decoy accounts (never the real user's, whose per-account budget would lock it: that
lockout is the throttle working, see docs/security.md). The junk comes from another
loopback address (127.0.0.2; all of 127/8 is loopback on Linux), or, in the
``same-address`` scenario, from the user's own 127.0.0.1.

Bounded by construction: at most ``MAX_JUNK`` clients for at most ``MAX_SECONDS``,
against a server this command starts on loopback and stops afterwards.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
import uuid
from collections import Counter
from typing import Any

import httpx

from hybridmem_bench.progress import ticking
from hybridmem_bench.server import benchmark_env, running_server
from hybridmem_bench.stats import machine, number, summary_ms

MAX_JUNK = 256
MAX_SECONDS = 600
PASSWORD = "login benchmark passphrase 7"  # noqa: S105 - throwaway benchmark accounts
SCENARIOS = {"alone": None, "other-address": "127.0.0.2", "same-address": "127.0.0.1"}
DECOYS = 4
# the real user starts after the junk has ramped up, and pauses between logins
WARM_UP_SECONDS = 2.0
USER_PAUSE_SECONDS = 0.25


def login_env(database_url: str | None) -> dict[str, str]:
    """The server's environment: as other benchmarks, but with production bcrypt cost
    and the default login limits (they are what is measured here)."""
    # No model is called by logins; the URL only has to be well-formed.
    env = benchmark_env("http://127.0.0.1:9/v1", database_url)
    env["HYBRIDMEM_BCRYPT_ROUNDS"] = "12"
    for name in ("HYBRIDMEM_LOGIN_ADDRESS_MAX_IN_FLIGHT", "HYBRIDMEM_LOGIN_MAX_QUEUED_SUSPECT"):
        env.pop(name, None)
    return env


async def _junk(
    base_url: str, address: str, clients: int, seconds: float, decoys: list[str]
) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    transport = httpx.AsyncHTTPTransport(local_address=address)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, transport=transport, limits=limits, timeout=60
    ) as client:

        async def attacker(index: int) -> None:
            rng = random.Random(index)  # noqa: S311 - load shape, not security
            sent = 0
            while time.monotonic() < deadline and sent < 100_000:
                sent += 1
                if sent % 2:
                    body = {"email": f"junk-{uuid.uuid4().hex[:12]}@example.com"}
                else:
                    body = {"user_id": rng.choice(decoys)}
                body["password"] = f"guess {rng.random()}"
                started = time.perf_counter()
                try:
                    response = await client.post("/api/auth/login", json=body)
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[str(response.status_code)] += 1

        await asyncio.gather(*(attacker(i) for i in range(clients)))
    return {
        "requests": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "throughput_per_s": round(sum(statuses.values()) / seconds, 1),
        "latency": summary_ms(latencies),
    }


def _junk_process(
    base_url: str,
    address: str,
    clients: int,
    seconds: float,
    decoys: list[str],
    results: Any,
) -> None:
    """Entry point of the junk process (spawned)."""
    results.put(asyncio.run(_junk(base_url, address, clients, seconds, decoys)))


async def _setup(client: httpx.AsyncClient, tag: str) -> tuple[str, list[str]]:
    user = f"bench-login-{tag}"
    decoys = [f"bench-decoy-{tag}-{i}" for i in range(DECOYS)]
    for user_id in (user, *decoys):
        response = await client.post(
            "/api/auth/signup",
            json={"email": f"{user_id}@example.com", "user_id": user_id, "password": PASSWORD},
        )
        response.raise_for_status()
    return user, decoys


async def _cleanup(client: httpx.AsyncClient, user_ids: list[str]) -> None:
    for user_id in user_ids:
        response = await client.post(
            "/api/auth/login", json={"user_id": user_id, "password": PASSWORD}
        )
        if response.is_success:
            token = response.json()["access_token"]
            await client.delete("/api/users/me", headers={"Authorization": f"Bearer {token}"})


async def _real_user(client: httpx.AsyncClient, user: str, seconds: float) -> dict[str, Any]:
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = await client.post(
            "/api/auth/login", json={"user_id": user, "password": PASSWORD}
        )
        elapsed = time.perf_counter() - started
        statuses[str(response.status_code)] += 1
        if response.is_success:
            latencies.append(elapsed)
        await asyncio.sleep(USER_PAUSE_SECONDS)
    return {
        "logins": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "latency": summary_ms(latencies),
    }


async def run_scenario(
    name: str, *, junk: int, seconds: float, database_url: str | None, progress: bool = False
) -> dict[str, Any]:
    """One scenario against a fresh server (fresh limits, fresh database)."""
    address = SCENARIOS[name]
    tag = uuid.uuid4().hex[:8]
    with running_server(login_env(database_url), purpose="login") as base_url:
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.1")
        async with httpx.AsyncClient(base_url=base_url, transport=transport, timeout=60) as client:
            user, decoys = await _setup(client, tag)
            process = None
            if address is not None:
                context = multiprocessing.get_context("spawn")
                results = context.Queue()
                process = context.Process(
                    target=_junk_process,
                    args=(base_url, address, junk, seconds + WARM_UP_SECONDS, decoys, results),
                    daemon=True,
                )
                process.start()
                await asyncio.sleep(WARM_UP_SECONDS)
            try:
                async with ticking(seconds, f"s of {name}", enabled=progress):
                    real = await _real_user(client, user, seconds)
                junk_report = None
                if process is not None:
                    junk_report = await asyncio.to_thread(results.get, True, seconds + 120)
            finally:
                if process is not None:
                    process.join(timeout=30)
                    if process.is_alive():
                        process.kill()
            await _cleanup(client, [user, *decoys])
    return {
        "scenario": name,
        "junk_address": address,
        "junk_clients": junk if address else 0,
        "real_user": real,
        "junk": junk_report,
    }


async def run_login_benchmark(
    *,
    junk: int,
    seconds: float,
    scenarios: list[str],
    database_url: str | None,
    progress: bool = False,
) -> dict[str, Any]:
    """Every scenario in turn, each against its own server."""
    if not 1 <= junk <= MAX_JUNK or not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"at most {MAX_JUNK} junk clients for at most {MAX_SECONDS} s")
    runs = [
        await run_scenario(
            name, junk=junk, seconds=seconds, database_url=database_url, progress=progress
        )
        for name in scenarios
    ]
    return {
        "benchmark": "login",
        "machine": machine(),
        "bcrypt_rounds": 12,
        "seconds": seconds,
        "database": "--database-url" if database_url else "embedded",
        "scenarios": runs,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """Markdown table of a login report."""
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs; bcrypt cost {report['bcrypt_rounds']}; "
        f"{report['seconds']} s per scenario; database: {report['database']}.",
        "",
        "| scenario | junk clients (from) | real user logins (statuses) | p50 ms | p95 ms "
        "| max ms | junk requests | junk statuses |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for run in report["scenarios"]:
        real, junk = run["real_user"], run["junk"] or {}
        source = f"{run['junk_clients']} ({run['junk_address']})" if run["junk_address"] else "0"
        lines.append(
            f"| {run['scenario']} | {source} | {real['logins']} ({_statuses(real['statuses'])}) "
            f"| {number(real['latency']['p50_ms'])} | {number(real['latency']['p95_ms'])} "
            f"| {number(real['latency']['max_ms'])} | {junk.get('requests', 0)} "
            f"| {_statuses(junk.get('statuses', {}))} |"
        )
    return "\n".join(lines)


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{code}: {count}" for code, count in statuses.items()) or "–"
