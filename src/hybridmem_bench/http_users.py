"""Throwaway accounts and job waits for benchmarks that drive a real server over HTTP."""

from __future__ import annotations

import asyncio
import time

import httpx

PASSWORD = "benchmark password 1"  # noqa: S105 - throwaway benchmark accounts


async def sign_up(client: httpx.AsyncClient, user_id: str) -> dict[str, str]:
    """Sign ``user_id`` up (an existing account is fine), log in; the bearer headers."""
    await client.post(
        "/api/auth/signup",
        json={"email": f"{user_id}@example.com", "password": PASSWORD, "user_id": user_id},
    )
    response = await client.post("/api/auth/login", json={"user_id": user_id, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def wait_for_jobs(client: httpx.AsyncClient, *, within: float, poll: float = 0.1) -> None:
    """Wait until the server's job backlog (``/readyz``, the outbox's pending jobs) is
    empty: the memory of what was just recorded is extracted. TimeoutError after
    ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        response = await client.get("/readyz")
        pending = response.json().get("checks", {}).get("outbox", {}).get("pending_jobs")
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{pending} memory jobs still pending after {within:g} s")
        await asyncio.sleep(poll)
