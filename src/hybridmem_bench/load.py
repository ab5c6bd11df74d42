"""``hybridmem bench load``: N concurrent simulated users against a real server.

Each user signs up, logs in, then until the time is up repeats: chat, view memory, chat,
search memory. The model is an OpenAI-compatible fake answering after a fixed delay, so
the load is on the service, its database and its memory. Afterwards every user's history
is read back: each acknowledged chat turn (HTTP 200) stored two messages, and all of them
must be there. Then the accounts are deleted, so runs on one database start alike.

Bounded by construction: at most ``MAX_USERS`` users for at most ``MAX_SECONDS`` seconds,
against a server this command starts on the loopback interface.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from hybridmem_bench.fake_llm import fake_chat_process
from hybridmem_bench.progress import ticking
from hybridmem_bench.server import benchmark_env, running_server
from hybridmem_bench.stats import machine, number, summary_ms

MAX_USERS = 256
MAX_SECONDS = 600
# Requests still in flight when the time is up may take this long to finish before the
# run is cut (a stuck server must not hang the benchmark).
GRACE_SECONDS = 120
PASSWORD = "load benchmark password 1"  # noqa: S105 - throwaway benchmark accounts
ENDPOINTS = ("signup", "login", "chat", "memory", "search", "history")
MESSAGES = (
    "I live in Delhi and like chess.",
    "Where do I live?",
    "My dog's name is Bruno.",
    "What do I like?",
    "I work at Globex as an engineer.",
    "I moved to Mumbai last month.",
    "Where did I live before?",
    "Tell me something about my week.",
)
MAX_FAILURE_SAMPLES = 5
QUERIES = ("Where do I live?", "What is my dog called?", "Where do I work?", "chess")


@dataclass
class _Tally:
    """What the simulated users saw, per endpoint."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    # the first few failures as the client saw them, so a rare 5xx can be diagnosed from
    # the report alone (the server's log goes with its temporary directory)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def _keep(self, name: str, status: str, detail: str) -> None:
        if len(self.failures) < MAX_FAILURE_SAMPLES:
            self.failures.append({"endpoint": name, "status": status, "detail": detail[:500]})

    async def call(
        self, name: str, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """One timed request; None when it failed below HTTP (reset, timeout)."""
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.statuses[name][type(exc).__name__] += 1
            self._keep(name, type(exc).__name__, str(exc))
            return None
        elapsed = time.perf_counter() - started
        self.statuses[name][str(response.status_code)] += 1
        if response.status_code >= 500:
            self._keep(name, str(response.status_code), response.text)
        if response.is_success:
            self.latencies[name].append(elapsed)
        return response


@dataclass
class _User:
    """One simulated user's account, session and acknowledged messages."""

    user_id: str
    session_id: str
    headers: dict[str, str] = field(default_factory=dict)
    acknowledged: int = 0


async def _simulate(
    client: httpx.AsyncClient,
    tally: _Tally,
    user: _User,
    deadline: float,
    think_seconds: float,
) -> None:
    signup = {"email": f"{user.user_id}@example.com", "password": PASSWORD}
    await tally.call(
        "signup", client, "POST", "/api/auth/signup", json={**signup, "user_id": user.user_id}
    )
    login = await tally.call(
        "login",
        client,
        "POST",
        "/api/auth/login",
        json={"user_id": user.user_id, "password": PASSWORD},
    )
    if login is None or not login.is_success:
        return
    user.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    rng = random.Random(user.user_id)  # noqa: S311 - load shape, not security
    step = 0
    while time.monotonic() < deadline:
        if think_seconds:
            # a person pauses between actions (uniform 0–2× the mean); without it every
            # user fires the moment the previous answer lands
            await asyncio.sleep(rng.uniform(0, 2 * think_seconds))
        kind = ("chat", "memory", "chat", "search")[step % 4]
        if kind == "chat":
            response = await tally.call(
                "chat",
                client,
                "POST",
                "/api/chat",
                headers=user.headers,
                json={"session_id": user.session_id, "message": MESSAGES[step % len(MESSAGES)]},
            )
            if response is not None and response.status_code == 200:
                user.acknowledged += 2  # the user's message and the reply
        elif kind == "memory":
            await tally.call(
                "memory",
                client,
                "GET",
                "/api/memory",
                headers=user.headers,
                params={"session_id": user.session_id},
            )
        else:
            await tally.call(
                "search",
                client,
                "POST",
                "/api/memory/search",
                headers=user.headers,
                json={"query": QUERIES[step % len(QUERIES)], "limit": 10},
            )
        step += 1


async def _stored(client: httpx.AsyncClient, tally: _Tally, user: _User) -> int:
    """How many messages the user's session holds (every page of /api/history)."""
    if not user.headers:
        return 0
    found = 0
    cursor: str | None = None
    for _ in range(10_000):  # bounded: 200 per page
        params: dict[str, Any] = {"session_id": user.session_id, "limit": 200}
        if cursor:
            params["cursor"] = cursor
        response = await tally.call(
            "history", client, "GET", "/api/history", headers=user.headers, params=params
        )
        if response is None or response.status_code == 404:  # no turn ever stored
            return found
        response.raise_for_status()
        page = response.json()
        found += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found


async def drive(
    base_url: str,
    *,
    users: int,
    seconds: float,
    think_seconds: float = 0.0,
    progress: bool = False,
) -> dict[str, Any]:
    """Run ``users`` simulated users for ``seconds`` against ``base_url``; then count what
    history holds. Only loopback URLs are accepted."""
    host = httpx.URL(base_url).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load benchmark only targets a server on the loopback interface")
    if not 1 <= users <= MAX_USERS or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"1–{MAX_USERS} users for at most {MAX_SECONDS} s")
    run = uuid.uuid4().hex[:8]
    people = [_User(f"load-{run}-{i}", f"load-{i}") for i in range(users)]
    tally = _Tally()
    limits = httpx.Limits(max_connections=users + 4, max_keepalive_connections=users + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        started = time.perf_counter()
        deadline = time.monotonic() + seconds
        tasks = [
            asyncio.create_task(_simulate(client, tally, user, deadline, think_seconds))
            for user in people
        ]
        async with ticking(seconds, f"s, {users} users", enabled=progress):
            _, pending = await asyncio.wait(tasks, timeout=seconds + GRACE_SECONDS)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in tasks:
            failure = None if task.cancelled() else task.exception()
            if failure is not None:
                raise failure
        wall = time.perf_counter() - started
        verification = _Tally()
        found = sum([await _stored(client, verification, user) for user in people])
        # Leave nothing behind: the accounts' messages, facts and any extraction jobs
        # still pending would otherwise load the next run on the same database.
        for user in people:
            if user.headers:
                await verification.call(
                    "delete", client, "DELETE", "/api/users/me", headers=user.headers
                )

    endpoints: dict[str, Any] = {}
    for name in ENDPOINTS[:-1]:
        statuses = tally.statuses.get(name, Counter())
        requests = sum(statuses.values())
        endpoints[name] = {
            "requests": requests,
            "ok": len(tally.latencies.get(name, [])),
            "errors": requests - len(tally.latencies.get(name, [])),
            "statuses": dict(sorted(statuses.items())),
            "throughput_per_s": round(requests / wall, 1),
            "latency": summary_ms(tally.latencies.get(name, [])),
        }
    every = Counter[str]()
    for statuses in tally.statuses.values():
        every.update(statuses)
    acknowledged = sum(user.acknowledged for user in people)
    return {
        "users": users,
        "seconds": seconds,
        "wall_seconds": round(wall, 2),
        "think_ms": round(think_seconds * 1000),
        "cancelled_users": len(pending),
        "requests": sum(every.values()),
        "throughput_per_s": round(sum(every.values()) / wall, 1),
        "errors": sum(e["errors"] for e in endpoints.values()),
        "server_errors_5xx": sum(n for status, n in every.items() if status.startswith("5")),
        "transport_errors": sum(n for status, n in every.items() if not status.isdigit()),
        "endpoints": endpoints,
        "failure_samples": tally.failures + verification.failures,
        "messages": {
            "acknowledged": acknowledged,
            "found_in_history": found,
            "lost": max(0, acknowledged - found),
            "unacknowledged_but_stored": max(0, found - acknowledged),
            "history_requests": sum(verification.statuses["history"].values()),
        },
        "accounts_deleted": verification.statuses["delete"].get("204", 0),
    }


async def run_load_benchmark(
    *,
    users: int,
    seconds: float,
    model_delay: float,
    database_url: str | None,
    think_seconds: float = 0.0,
    progress: bool = False,
) -> dict[str, Any]:
    """Start the fake model and a real server on loopback, then :func:`drive` it."""
    with fake_chat_process(model_delay) as model_url:
        env = benchmark_env(model_url, database_url)
        with running_server(env, purpose="load") as base_url:
            result = await drive(
                base_url,
                users=users,
                seconds=seconds,
                think_seconds=think_seconds,
                progress=progress,
            )
    return {
        "benchmark": "load",
        "machine": machine(),
        "model_delay_ms": round(model_delay * 1000),
        "database": "--database-url" if database_url else "embedded",
        **result,
    }


def render_markdown(report: dict[str, Any]) -> str:
    """Markdown of a load report: per-endpoint table and the message check."""
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs; {report['users']} users for {report['seconds']} s "
        f"(wall {report['wall_seconds']} s); model answers after {report['model_delay_ms']} ms; "
        f"think time {report['think_ms']} ms; database: {report['database']}.",
        "",
        "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in report["endpoints"].items():
        latency = entry["latency"]
        lines.append(
            f"| {name} | {entry['requests']} | {entry['errors']} | "
            f"{number(entry['throughput_per_s'])} | {number(latency['p50_ms'])} | "
            f"{number(latency['p95_ms'])} | {number(latency['p99_ms'])} |"
        )
    messages = report["messages"]
    lines += [
        f"| **all** | {report['requests']} | {report['errors']} | "
        f"{number(report['throughput_per_s'])} "
        "| | | |",
        "",
        f"5xx responses: {report['server_errors_5xx']}; transport errors: "
        f"{report['transport_errors']}. Messages acknowledged (chat 200s × 2): "
        f"{messages['acknowledged']}; found in /api/history afterwards: "
        f"{messages['found_in_history']}; lost: {messages['lost']}.",
    ]
    return "\n".join(lines)
