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


def benchmark_env(model_url: str, database_url: str | None) -> dict[str, str]:
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
def running_server(
    env: dict[str, str], *, purpose: str = "bench", timeout: float = 300.0
) -> Iterator[str]:
    """Run the service with ``env`` on top of ours; yield its base URL; stop it after.

    Its log and (unless ``env`` names one) its data directory live in a temporary
    directory removed afterwards, embedded PostgreSQL included. Readiness is polled
    against a deadline generous enough for a loaded machine."""
    port = free_port()
    with tempfile.TemporaryDirectory(
        prefix=f"hybridmem-{purpose}-", ignore_cleanup_errors=True
    ) as scratch:
        log = Path(scratch) / "server.log"
        env = {"HYBRIDMEM_DATA_DIR": str(Path(scratch) / "data"), **env}
        with log.open("wb") as handle:
            process = subprocess.Popen(  # noqa: S603 - our own entry point
                [sys.executable, "-m", "hybridmem.service", "serve", "--port", str(port)],
                env={**_inherited(), "HYBRIDMEM_LOG_LEVEL": "WARNING", **env},
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
            base_url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_ready(process, base_url, log, deadline=time.monotonic() + timeout)
                yield base_url
            finally:
                process.terminate()
                try:
                    # its shutdown (embedded PostgreSQL included) is bounded well below this
                    process.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _inherited() -> dict[str, str]:
    """This process's environment without its database: a benchmark server uses the one
    it is given, or its own embedded PostgreSQL, never the caller's ``DATABASE_URL``."""
    return {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}


def _wait_until_ready(
    process: subprocess.Popen[bytes], base_url: str, log: Path, *, deadline: float
) -> None:
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server not ready:\n{log.read_text()}")
        time.sleep(0.2)
