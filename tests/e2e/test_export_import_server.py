"""Export and import against a real ``hybridmem serve`` on the PostgreSQL server: the
export arrives in several chunks over the socket, and the round trip through a deleted
account gives the same memory back."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import _drop_database, _fresh_database, _server_url
from tests.e2e.conftest import RunningServer, server_with_fake_model

PASSWORD = "export import password 1"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    admin_url = _server_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server")
    name, url = asyncio.run(_fresh_database(admin_url))
    try:
        with server_with_fake_model("export-e2e-", DATABASE_URL=url) as running:
            yield running
    finally:
        asyncio.run(_drop_database(admin_url, name))


def _sign_in(http: httpx.Client, user_id: str) -> dict[str, str]:
    body = {"email": "pat@example.com", "password": PASSWORD, "user_id": user_id}
    assert http.post("/api/auth/signup", json=body).status_code == 201
    token = http.post("/api/auth/login", json={"user_id": user_id, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _facts(http: httpx.Client, headers: dict[str, str]) -> list[dict]:
    params = {"include_invalidated": "true", "limit": 100}
    return http.get("/api/memory/facts", headers=headers, params=params).json()["items"]


def test_round_trip_over_a_real_server(server: RunningServer) -> None:
    with httpx.Client(base_url=server.base_url, timeout=60) as http:
        old = _sign_in(http, "pat-old")
        filler = "and the weather was fine " * 40
        messages = [
            {"role": "user", "content": "I live in Lisbon and like surfing."},
            *({"role": "user", "content": f"Note {i}: {filler}"} for i in range(150)),
        ]
        for start in range(0, len(messages), 50):  # at most 100 a request
            batch = {"messages": messages[start : start + 50]}
            stored = http.post("/api/sessions/s1/messages", headers=old, json=batch)
            assert stored.status_code == 201, stored.text
        deadline = time.monotonic() + 120
        while len(_facts(http, old)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the server's own worker extracts in the background
        before = _facts(http, old)
        assert {f["value"] for f in before} >= {"Lisbon", "surfing"}

        with http.stream("GET", "/api/users/me/export", headers=old) as response:
            assert response.status_code == 200
            assert response.headers.get("transfer-encoding") == "chunked"
            chunks = list(response.iter_raw())
        assert len(chunks) > 1, "the export arrives as it is read"
        document = json.loads(b"".join(chunks))
        assert len(document["messages"]) == 151

        assert http.delete("/api/users/me", headers=old).status_code == 204
        new = _sign_in(http, "pat-new")
        imported = http.post("/api/users/me/import", headers=new, json=document)
        assert imported.status_code == 200, imported.text
        assert imported.json()["added"]["messages"] == 151
        after = _facts(http, new)
        assert json.dumps(after).replace("pat-new", "U") == json.dumps(before).replace(
            "pat-old", "U"
        )
        again = http.post("/api/users/me/import", headers=new, json=document)
        assert sum(again.json()["added"].values()) == 0
