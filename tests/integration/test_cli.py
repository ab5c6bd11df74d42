"""The operator commands against the local PostgreSQL server."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from tests.conftest import _drop_database, _fresh_database, _server_url


@pytest.fixture
async def server_database_url():
    admin_url = _server_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server")
    name, url = await _fresh_database(admin_url)
    yield url
    await _drop_database(admin_url, name)


def hybridmem(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hybridmem.service", *args],
        env={"DATABASE_URL": url, "PATH": "/usr/bin", "HYBRIDMEM_LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_migrate_purge_and_admin(server_database_url):
    first = hybridmem(server_database_url, "migrate")
    assert first.returncode == 0, first.stderr
    assert "applied" in first.stdout
    assert hybridmem(server_database_url, "migrate").stdout.strip() == "up to date"
    with psycopg.connect(server_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (user_id, email, email_normalized, password_hash) "
            "VALUES ('op', 'op@example.com', 'op@example.com', 'x')"
        )
        conn.execute(
            "INSERT INTO sessions (user_id, session_id, deleted_at) "
            "VALUES ('op', 'old', now() - interval '40 days'), ('op', 'new', now())"
        )
    purged = hybridmem(server_database_url, "purge")
    assert json.loads(purged.stdout)["sessions"] == 1
    granted = hybridmem(server_database_url, "admin", "grant", "op")
    assert "admin=True" in granted.stdout
    missing = hybridmem(server_database_url, "admin", "grant", "ghost")
    assert missing.returncode == 1
