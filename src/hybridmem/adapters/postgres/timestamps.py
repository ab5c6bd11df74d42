"""timestamptz values that Python cannot hold are read as the nearest time it can.

PostgreSQL's timestamptz reaches year 294276 (and ``infinity``); a Python datetime stops
at year 9999. Versions before the input rule of :mod:`hybridmem.domain.moments` accepted
times such as ``9999-12-31T23:59:59-14:00`` (year 10000 in UTC), and psycopg refuses to
load such a row: every read touching it failed, for good. Rather than a migration that
rewrites stored rows (it would fix only what exists when it runs, not rows written by
other tools or restored later), the loader itself cannot fail: a value past year 9999 is
read as 9999-12-31T23:59:59.999999Z, one before year 1 as 0001-01-01T00:00:00Z. The row
is left as stored. Connections are pinned to UTC so that a value in range is never pushed
out of range by a session time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.adapt import Buffer, Loader
from psycopg.pq import Format

from hybridmem.domain.moments import EARLIEST, LATEST

_OID = psycopg.adapters.types["timestamptz"].oid
# The fastest loaders available (psycopg's C ones when installed), wrapped below.
_TEXT = psycopg.adapters.get_loader(_OID, Format.TEXT)
_BINARY = psycopg.adapters.get_loader(_OID, Format.BINARY)


class _SafeText(Loader):
    format = Format.TEXT

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        assert _TEXT is not None
        self._inner = _TEXT(oid, context)

    def load(self, data: Buffer) -> datetime:
        try:
            moment: datetime = self._inner.load(data)
        except psycopg.DataError:
            # '10000-01-01 13:59:59+00', 'infinity' / '0001-12-31 10:00:00+00 BC', '-infinity'
            raw = bytes(data)
            return EARLIEST if raw.startswith(b"-") or raw.endswith(b"BC") else LATEST
        return moment


class _SafeBinary(Loader):
    format = Format.BINARY

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        assert _BINARY is not None
        self._inner = _BINARY(oid, context)

    def load(self, data: Buffer) -> datetime:
        try:
            moment: datetime = self._inner.load(data)
        except psycopg.DataError:
            # microseconds since 2000-01-01 as a signed 64-bit integer
            before = int.from_bytes(bytes(data)[:8], "big", signed=True) < 0
            return EARLIEST if before else LATEST
        return moment


def register_safe_timestamps(conn: psycopg.AsyncConnection[Any]) -> None:
    """Make ``conn`` load every timestamptz without failing (see the module docstring)."""
    conn.adapters.register_loader(_OID, _SafeText)
    conn.adapters.register_loader(_OID, _SafeBinary)
