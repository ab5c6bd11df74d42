"""Run the real server as a subprocess, as a user would with README command 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hybridmem_bench.fake_llm import fake_chat_process
from tests.conftest import scratch_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    """A ``hybridmem serve`` process and its base URL."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
        self.process = process
        self.base_url = base_url
        self.log = log


def start_server(env_overrides: dict[str, str], *, timeout: float = 300.0) -> RunningServer:
    """Start ``hybridmem serve`` on a free loopback port and wait until it is ready.

    The deadline is generous (readiness is polled, so a fast start returns at once): on
    a loaded machine the imports alone take several seconds and the embedded PostgreSQL
    and model start behind them."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DATABASE_URL", "SECRET_KEY", "GEMINI_API_KEY", "ZEP_API_KEY", "MEM0_API_KEY")
        and not key.startswith("HYBRIDMEM_")
    }
    env.update(env_overrides)
    log = scratch_dir("e2e-") / "server.log"
    handle = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "hybridmem.service", "serve", "--port", str(port)],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=scratch_dir("cwd-"),
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200:
                return RunningServer(process, base_url, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.terminate()
    process.wait()
    raise RuntimeError(f"server not ready in {timeout}s:\n{log.read_text()}")


def stop_server(server: RunningServer) -> int:
    """Stop it the way a user would (Ctrl-C) and return its exit code."""
    server.process.send_signal(2)
    try:
        # generous: shutdown stops the embedded model and PostgreSQL, slow when loaded
        return server.process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()


@pytest.fixture(scope="module")
def embedded_server() -> Iterator[RunningServer]:
    """The service with embedded defaults: no keys, no DATABASE_URL."""
    data_dir = str(scratch_dir("e2e-data-"))
    # the embedded model's default cap (64 tokens) bounds how long an uncancelled turn takes;
    # a loaded test machine may need more than the default 2 s for a memory read
    server = start_server(
        {"HYBRIDMEM_DATA_DIR": data_dir, "HYBRIDMEM_MEMORY_SOURCE_TIMEOUT_SECONDS": "10"}
    )
    yield server
    stop_server(server)


@contextmanager
def server_with_fake_model(data_prefix: str, **env: str) -> Iterator[RunningServer]:
    """A real ``hybridmem serve`` whose model is the fake OpenAI-compatible server (no
    delay, deterministic replies), with text search and cheap hashing; ``env`` adds to or
    overrides that environment (``DATABASE_URL=...`` for a server database)."""
    with fake_chat_process(0.0) as model_url:
        running = start_server(
            {
                "HYBRIDMEM_DATA_DIR": str(scratch_dir(data_prefix)),
                "HYBRIDMEM_LLM": "openai",
                "HYBRIDMEM_LLM_BASE_URL": model_url,
                "HYBRIDMEM_LLM_MODEL": "fake",
                "HYBRIDMEM_BCRYPT_ROUNDS": "4",
                "HYBRIDMEM_EMBEDDINGS": "off",
                "HYBRIDMEM_LOG_LEVEL": "WARNING",
                **env,
            }
        )
        try:
            yield running
        finally:
            stop_server(running)
