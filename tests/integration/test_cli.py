"""The operator commands against the local PostgreSQL server."""

from __future__ import annotations

import json
import os
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
        [sys.executable, "-m", "hybridmem_bench", *args],  # the console script
        env={
            "DATABASE_URL": url,
            "PATH": "/usr/bin",
            # a worktree's src first, as the test run itself has it
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
            "HYBRIDMEM_LOG_LEVEL": "WARNING",
            # an unreachable server is retried this long before the command gives up
            "HYBRIDMEM_DB_CONNECT_TIMEOUT_SECONDS": "1",
        },
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


# Wrong DATABASE_URLs: each must end the command with one clear line and exit code 2,
# never a traceback, never the password.
WRONG_URLS = {
    "unreachable": ("postgresql://postgres@127.0.0.1:1/postgres", "cannot reach the database"),
    "malformed": ("nobody:s3cret-pw@127.0.0.1/postgres", "invalid database URL"),
    "invalid port": ("postgresql://postgres@127.0.0.1:99999/postgres", "invalid port"),
    "unknown role": (
        "postgresql://nobody:s3cret-pw@127.0.0.1:5432/postgres",
        'role "nobody" does not exist',
    ),
    "unknown database": (
        "postgresql://postgres@127.0.0.1:5432/hm_no_such_database",
        'database "hm_no_such_database" does not exist',
    ),
}


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("database error (DATABASE_URL): "), output
    assert expected in lines[0], output
    assert "s3cret-pw" not in output
    assert "Traceback" not in output


def _wrong_url(case: str) -> tuple[str, str]:
    url, expected = WRONG_URLS[case]
    if "5432" in url and _server_url() is None:
        pytest.skip("no PostgreSQL server to refuse the login")
    return url, expected


@pytest.mark.parametrize("case", WRONG_URLS)
def test_a_wrong_database_url_is_one_line_and_exit_2(case):
    url, expected = _wrong_url(case)
    _assert_one_clear_line(hybridmem(url, "migrate"), expected)


@pytest.mark.parametrize(
    ("command", "case"),
    [
        (["serve", "--port", "1"], "unreachable"),
        (["worker"], "unknown database"),
        (["purge"], "unreachable"),
        (["jobs", "dead"], "unknown database"),
        (["admin", "grant", "someone"], "unreachable"),
        (["export", "--email", "a@example.com"], "unknown database"),
        (["bench", "memory", "--sizes", "10", "--database-url", "{url}"], "unknown database"),
        (["bench", "load", "--seconds", "1", "--database-url", "{url}"], "unreachable"),
    ],
)
def test_every_command_that_opens_the_database_reports_a_wrong_url_the_same_way(command, case):
    url, expected = _wrong_url(case)
    command = [part.replace("{url}", url) for part in command]
    _assert_one_clear_line(hybridmem(url, *command), expected)
