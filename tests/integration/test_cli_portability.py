"""``hybridmem export`` and ``hybridmem import`` against the local PostgreSQL server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from hybridmem.domain.portability import SECTIONS, rehome
from tests.integration.test_cli import server_database_url  # noqa: F401 (a fixture)
from tests.support.portability_samples import sample_document


def hybridmem(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hybridmem_bench", *args],
        env={
            "DATABASE_URL": url,
            "PATH": "/usr/bin",
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
            "HYBRIDMEM_LOG_LEVEL": "WARNING",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_then_export_round_trip(server_database_url, tmp_path: Path):  # noqa: F811
    assert hybridmem(server_database_url, "migrate").returncode == 0
    with psycopg.connect(server_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (user_id, email, email_normalized, password_hash) "
            "VALUES ('cli-user', 'Cli@Example.com', 'cli@example.com', 'x')"
        )
    source = tmp_path / "in.json"
    document = sample_document("deleted-user")
    source.write_text(json.dumps(document.to_json()))

    imported = hybridmem(server_database_url, "import", str(source), "--email", "cli@example.com")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert report["added"] == {name: len(document.section(name)) for name in SECTIONS}
    again = hybridmem(server_database_url, "import", str(source), "--email", "cli@example.com")
    assert json.loads(again.stdout)["added"] == dict.fromkeys(SECTIONS, 0)

    target = tmp_path / "out.json"
    exported = hybridmem(
        server_database_url, "export", "--email", "cli@example.com", "-o", str(target)
    )
    assert exported.returncode == 0, exported.stderr
    body = json.loads(target.read_text())
    expected = rehome(document, "cli-user").to_json()
    for name in SECTIONS:
        assert body[name] == expected[name], name
    assert not list(tmp_path.glob("*.partial"))
    to_stdout = hybridmem(server_database_url, "export", "--email", "cli@example.com")
    assert json.loads(to_stdout.stdout)["profile"]["user_id"] == "cli-user"


def test_refusals_are_one_line_with_the_code(server_database_url, tmp_path: Path):  # noqa: F811
    assert hybridmem(server_database_url, "migrate").returncode == 0
    with psycopg.connect(server_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (user_id, email, email_normalized, password_hash) "
            "VALUES ('x1', 'x1@example.com', 'x1@example.com', 'x')"
        )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**sample_document("x1").to_json(), "schema_version": 9}))
    refused = hybridmem(server_database_url, "import", str(bad), "--email", "x1@example.com")
    assert refused.returncode == 1
    # the last line (a log line may come first: no pgvector on this server)
    refusal = refused.stderr.splitlines()[-1]
    assert refusal.startswith("unsupported_schema_version: ")
    assert '"path": "schema_version"' in refusal

    good = tmp_path / "good.json"
    good.write_text(json.dumps(sample_document("x1").to_json()))
    unknown = hybridmem(server_database_url, "import", str(good), "--email", "nobody@example.com")
    assert unknown.returncode == 1
    assert unknown.stderr.splitlines()[-1].startswith("not_found: ")
    small = hybridmem(
        server_database_url,
        "import",
        str(good),
        "--email",
        "x1@example.com",
        HYBRIDMEM_MAX_IMPORT_BYTES="1024",
    )
    assert small.returncode == 1
    assert small.stderr.startswith("payload_too_large: ")
    missing = hybridmem(server_database_url, "export", "--email", "ghost@example.com")
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
