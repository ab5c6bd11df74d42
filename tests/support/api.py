"""Small helpers for API tests."""

from __future__ import annotations

import httpx

PASSWORD = "correct horse battery staple"


async def signup(
    client: httpx.AsyncClient, user_id: str, *, email: str | None = None, **extra: object
) -> httpx.Response:
    """Sign a user up; the email defaults to <user_id>@example.com."""
    body = {"email": email or f"{user_id}@example.com", "password": PASSWORD, "user_id": user_id}
    body.update(extra)
    return await client.post("/api/auth/signup", json=body)


async def login(
    client: httpx.AsyncClient, user_id: str, password: str = PASSWORD
) -> httpx.Response:
    """Log in by user id."""
    return await client.post("/api/auth/login", json={"user_id": user_id, "password": password})


async def auth_headers(client: httpx.AsyncClient, user_id: str, **extra: object) -> dict[str, str]:
    """Sign up and log in; return the Authorization header."""
    created = await signup(client, user_id, **extra)
    assert created.status_code == 201, created.text
    token = await login(client, user_id)
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def error_code(response: httpx.Response) -> str:
    """The stable error code of an error response."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return str(body["error"]["code"])


async def drain_jobs(app) -> None:
    """Run the outbox worker until no job is ready (the app runs none in tests)."""

    worker = app.state.services.worker
    await worker.drain()


async def say(client: httpx.AsyncClient, headers, session_id: str, *contents: str, **extra):
    """Record user messages in a session."""
    response = await client.post(
        f"/api/sessions/{session_id}/messages",
        headers=headers,
        json={"messages": [{"role": "user", "content": c, **extra} for c in contents]},
    )
    assert response.status_code == 201, response.text
    return response.json()
