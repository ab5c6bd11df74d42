"""Measures the server's memory while it exports (and imports) a ~50 MB user.

Run: ``python -m tests.support.export_memory [--mb 50]`` with PostgreSQL at
127.0.0.1:5432. It makes a fresh database, starts ``hybridmem serve`` on it, signs a
user up, writes the user's memory with SQL (messages of ~1 KB, facts, history, graph),
then streams ``GET /api/users/me/export`` to a file while sampling the server's RSS
every 20 ms, and prints the peak increase over the idle server. With ``--import`` it
then imports that document into a second account and measures that too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

from tests.conftest import _drop_database, _fresh_database
from tests.support.api import PASSWORD

ADMIN_URL = os.environ.get(
    "HYBRIDMEM_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def populate(url: str, user_id: str, megabytes: int) -> None:
    messages = megabytes * 1000  # ~1 KB of content each
    facts = messages // 10
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO sessions (user_id, session_id) "
            "SELECT %s, 's' || g FROM generate_series(1, 50) AS g",
            (user_id,),
        )
        conn.execute(
            "INSERT INTO messages (user_id, session_id, message_id, role, content, occurred_at) "
            "SELECT %s, 's' || (1 + g %% 50), 'm' || g, 'user', "
            "repeat(md5(g::text) || ' word' || (g %% 997) || ' ', 24), "
            "now() - (g || ' seconds')::interval FROM generate_series(1, %s) AS g",
            (user_id, messages),
        )
        conn.execute(
            "INSERT INTO facts (user_id, fact_id, attribute, value, value_normalized, fact_text, "
            "valid_from, valid_to, provenance, source) "
            "SELECT %s, 'f' || g, 'likes', 'thing ' || g, 'thing ' || g, 'Likes thing ' || g, "
            "now() - interval '1 day', CASE WHEN g %% 2 = 0 THEN now() END, "
            "ARRAY['m' || g], 'rules' FROM generate_series(1, %s) AS g",
            (user_id, facts),
        )
        conn.execute(
            "INSERT INTO fact_events (user_id, fact_id, kind, new, reason) "
            "SELECT %s, 'f' || g, 'ADD', jsonb_build_object('value', 'thing ' || g), 'new' "
            "FROM generate_series(1, %s) AS g",
            (user_id, facts),
        )
        conn.execute(
            "INSERT INTO entities (user_id, entity_key, name, entity_type) VALUES "
            "(%s, 'user:' || %s, %s, 'user')",
            (user_id, user_id, user_id),
        )
        conn.execute(
            "INSERT INTO entities (user_id, entity_key, name, entity_type) "
            "SELECT %s, 'other:thing ' || g, 'thing ' || g, 'other' "
            "FROM generate_series(1, %s) AS g",
            (user_id, facts),
        )
        conn.execute(
            "INSERT INTO relations (user_id, relation_id, source_key, relation_type, target_key, "
            "fact_text, valid_at) SELECT %s, 'rel:f' || g, 'user:' || %s, 'likes', "
            "'other:thing ' || g, 'Likes thing ' || g, now() - interval '1 day' "
            "FROM generate_series(1, %s) AS g",
            (user_id, user_id, facts),
        )


async def sample_peak(pid: int, work) -> tuple[int, float, object]:
    peak = rss_kib(pid)
    done = asyncio.Event()

    async def sampler() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(pid))
            await asyncio.sleep(0.02)

    task = asyncio.create_task(sampler())
    started = time.perf_counter()
    try:
        result = await work()
    finally:
        done.set()
        await task
    return peak, time.perf_counter() - started, result


async def measure(url: str, megabytes: int, with_import: bool) -> None:
    port = 18731
    data_dir = tempfile.mkdtemp(prefix="hm-export-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HYBRIDMEM_DATA_DIR": data_dir,
        "HYBRIDMEM_LOG_LEVEL": "WARNING",
        "HYBRIDMEM_EMBEDDINGS": "off",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hybridmem_bench", "serve", "--port", str(port), env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=600) as client:
            for _ in range(300):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
            for user in ("big", "copy"):
                body = {"email": f"{user}@example.com", "password": PASSWORD, "user_id": user}
                assert (await client.post("/api/auth/signup", json=body)).status_code == 201
            populate(url, "big", megabytes)

            async def token(user: str) -> dict[str, str]:
                login = {"user_id": user, "password": PASSWORD}
                answer = (await client.post("/api/auth/login", json=login)).json()
                return {"Authorization": f"Bearer {answer['access_token']}"}

            headers = await token("big")
            await client.get("/api/users/me", headers=headers)  # warm
            out = Path(data_dir) / "export.json"

            async def export() -> int:
                size = 0
                async with client.stream("GET", "/api/users/me/export", headers=headers) as r:
                    assert r.status_code == 200
                    with out.open("wb") as file:
                        async for chunk in r.aiter_raw():
                            file.write(chunk)
                            size += len(chunk)
                return size

            idle = rss_kib(server.pid)
            peak, seconds, size = await sample_peak(server.pid, export)
            document = json.loads(out.read_bytes())
            print(
                f"export: {size / 1e6:.1f} MB ({len(document['messages'])} messages, "
                f"{len(document['facts'])} facts) in {seconds:.1f} s; server RSS idle "
                f"{idle / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB, increase "
                f"{(peak - idle) / 1024:.1f} MiB"
            )
            if with_import:
                copy_headers = await token("copy")
                # a document of another existing account is refused: import it as the
                # same account's own document (its owner rewritten), the size unchanged
                document["profile"]["user_id"] = "copy"
                body = json.dumps(document).encode()
                del document

                async def imported() -> int:
                    response = await client.post(
                        "/api/users/me/import",
                        headers={**copy_headers, "Content-Type": "application/json"},
                        content=body,
                    )
                    assert response.status_code == 200, response.text[:500]
                    return len(body)

                idle = rss_kib(server.pid)
                peak, seconds, size = await sample_peak(server.pid, imported)
                print(
                    f"import: {size / 1e6:.1f} MB in {seconds:.1f} s; server RSS before "
                    f"{idle / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB, increase "
                    f"{(peak - idle) / 1024:.1f} MiB"
                )
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=60)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--import", dest="with_import", action="store_true")
    args = parser.parse_args()
    name, url = await _fresh_database(ADMIN_URL)
    try:
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "hybridmem_bench", "migrate"],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
        )
        await measure(url, args.mb, args.with_import)
    finally:
        await _drop_database(ADMIN_URL, name)


if __name__ == "__main__":
    asyncio.run(main())
