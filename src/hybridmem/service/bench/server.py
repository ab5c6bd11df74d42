"""Start a real ``hybridmem serve`` process for benchmarks (loopback only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def benchmark_env(model_url: str, database_url: str | None, *, purpose: str) -> dict[str, str]:
    """Environment of a server under benchmark: the fake model, local memory only (the
    load stays on this machine whatever keys the caller's environment holds), no per-user
    chat throttle and no per-address login limits (capacity is measured, not the limits;
    every simulated user comes from 127.0.0.1), and cheap bcrypt (signups would otherwise
    dominate a short run)."""
    env = {
        "HYBRIDMEM_HOST": "127.0.0.1",
        "HYBRIDMEM_LLM": "openai",
        "HYBRIDMEM_LLM_BASE_URL": model_url,
        "HYBRIDMEM_LLM_MODEL": "fake",
        "HYBRIDMEM_LLM_EXTRACTION": "off",
        "HYBRIDMEM_HISTORY": "postgres",
        "HYBRIDMEM_GRAPH": "postgres",
        "HYBRIDMEM_FACTS": "postgres",
        "HYBRIDMEM_CHAT_TURNS_PER_MINUTE": "0",
        "HYBRIDMEM_BCRYPT_ROUNDS": "4",
        "HYBRIDMEM_LOGIN_ADDRESS_MAX_IN_FLIGHT": "100000",
        "HYBRIDMEM_LOGIN_MAX_QUEUED_SUSPECT": "100000",
        "HYBRIDMEM_DB_POOL_MAX_SIZE": "20",
        "HYBRIDMEM_DATA_DIR": tempfile.mkdtemp(prefix=f"hybridmem-{purpose}-data-"),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str], *, timeout: float = 120.0) -> Iterator[str]:
    """Run the service with ``env`` on top of ours; yield its base URL; stop it after."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="hybridmem-bench-")) / "server.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-m", "hybridmem.service", "serve", "--port", str(port)],
            env={**os.environ, "HYBRIDMEM_LOG_LEVEL": "WARNING", **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"server exited:\n{log.read_text()}")
                try:
                    if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready:\n{log.read_text()}")
                time.sleep(0.2)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
