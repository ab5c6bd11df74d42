"""The whole flow on the real Zep Cloud, Mem0 Platform and Gemini (needs ZEP_API_KEY,
MEM0_API_KEY and GEMINI_API_KEY): signup → chat → memory → search → consolidate →
delete account. Uses a throwaway user id and deletes it at the end."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.conftest import scratch_dir
from tests.e2e.conftest import start_server, stop_server
from tests.live.conftest import require

PASSWORD = "live test password 1"


def _eventually(check, *, seconds: float = 90.0, every: float = 2.0):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def test_signup_chat_memory_search_consolidate_delete_on_the_clouds():
    keys = require("ZEP_API_KEY", "MEM0_API_KEY", "GEMINI_API_KEY")
    server = start_server(
        {
            **keys,
            "HYBRIDMEM_DATA_DIR": str(scratch_dir("live-")),
            "HYBRIDMEM_LOG_LEVEL": "WARNING",
        },
        timeout=300,
    )
    user_id = f"hm-live-{uuid.uuid4().hex[:10]}"
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as http:
            ready = http.get("/readyz").json()["checks"]
            assert ready["history"]["backend"] == "zep", ready
            assert ready["facts"]["backend"] == "mem0", ready
            assert ready["language_model"]["backend"].startswith("gemini"), ready
            assert all(check["ok"] for check in ready.values()), ready

            http.post(
                "/api/auth/signup",
                json={
                    "email": f"{user_id}@example.com",
                    "password": PASSWORD,
                    "user_id": user_id,
                    "first_name": "Live",
                    "last_name": "Tester",
                },
            ).raise_for_status()
            token = http.post(
                "/api/auth/login", json={"user_id": user_id, "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}

            for message in ("I live in Delhi and like chess.", "My dog's name is Bruno."):
                reply = http.post(
                    "/api/chat", headers=headers, json={"session_id": "live", "message": message}
                )
                assert reply.status_code == 200, reply.text
                assert reply.json()["reply"].strip()

            def delhi_found():
                found = http.post(
                    "/api/memory/search", headers=headers, json={"query": "Where do I live?"}
                ).json()
                return [r for r in found["results"] if r["fact"]["value"] == "Delhi"]

            assert _eventually(delhi_found), "Mem0 never returned the fact"
            answer = http.post(
                "/api/chat",
                headers=headers,
                json={"session_id": "live", "message": "Where do I live?"},
            ).json()
            assert "delhi" in answer["reply"].lower()

            def graph_has_edges():
                return http.get("/api/memory/graph", headers=headers).json()["relations"]

            assert _eventually(graph_has_edges, seconds=180), "Zep built no graph"
            history = http.get("/api/history", headers=headers, params={"session_id": "live"})
            assert len(history.json()["items"]) == 6

            dry = http.post("/api/memory/consolidate", headers=headers, json={"dry_run": True})
            assert dry.status_code == 200, dry.text
            done = http.post("/api/memory/consolidate", headers=headers, json={})
            assert done.status_code == 200, done.text

            assert http.delete("/api/users/me", headers=headers).status_code == 204

            def jobs_done():
                return http.get("/readyz").json()["checks"]["outbox"]["pending_jobs"] == 0

            assert _eventually(jobs_done), "deletion at the providers did not finish"
    finally:
        stop_server(server)
