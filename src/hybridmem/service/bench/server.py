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
