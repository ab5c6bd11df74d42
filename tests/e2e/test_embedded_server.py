"""The README walk-through against a real server process on embedded PostgreSQL."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import start_server, stop_server


def test_signup_login_me_sessions_logout(embedded_server):
    with httpx.Client(base_url=embedded_server.base_url, timeout=30) as http:
        signup = http.post(
            "/api/auth/signup",
            json={
                "email": "ada@example.com",
                "password": "correct horse battery staple",
                "user_id": "user123",
                "first_name": "Ada",
            },
        )
        assert signup.status_code == 201, signup.text
        login = http.post(
            "/api/auth/login",
            json={"email": "ada@example.com", "password": "correct horse battery staple"},
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = http.get("/api/users/me", headers=headers)
        assert me.json()["user_id"] == "user123"
        started = http.post("/api/session/start", headers=headers, json={"session_id": "chat-1"})
        assert started.status_code == 201
        assert (
            http.get("/api/sessions", headers=headers).json()["items"][0]["session_id"] == "chat-1"
        )
        assert "x-request-id" in me.headers
        assert http.get("/docs").status_code == 200
        assert http.post("/api/auth/logout", headers=headers).status_code == 204
        assert http.get("/api/users/me", headers=headers).status_code == 401


def test_data_and_signing_key_survive_a_restart(tmp_path):
    env = {"HYBRIDMEM_DATA_DIR": str(tmp_path)}
    first = start_server(env)
    try:
        with httpx.Client(base_url=first.base_url, timeout=30) as http:
            http.post(
                "/api/auth/signup",
                json={"email": "k@example.com", "password": "correct horse battery staple"},
            )
            token = http.post(
                "/api/auth/login",
                json={"email": "k@example.com", "password": "correct horse battery staple"},
            ).json()["access_token"]
    finally:
        assert stop_server(first) == 0
    second = start_server(env)
    try:
        with httpx.Client(base_url=second.base_url, timeout=30) as http:
            me = http.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200
            assert me.json()["email"] == "k@example.com"
    finally:
        stop_server(second)
    assert (tmp_path / "secret_key").exists()


def test_production_without_a_key_refuses_to_start(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "hybridmem.service", "serve"],
        env={
            "HYBRIDMEM_ENV": "production",
            "HYBRIDMEM_DATA_DIR": str(tmp_path),
            "PATH": "/usr/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr
