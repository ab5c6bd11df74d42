"""A dependency-free progress bar on stderr for long benchmark runs."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TextIO


class Progress:
    """``[#####.....] 50/116 questions`` redrawn in place on a terminal.

    When stderr is not a terminal (CI logs, redirects) it prints one line per tenth of the
    work instead, so logs stay readable. ``enabled=False`` silences it (tests).
    """

    def __init__(
        self,
        total: int,
        label: str,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        width: int = 30,
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = enabled
        self._tty = enabled and self._stream.isatty()
        self._width = width
        self._last_draw = 0.0
        self._last_tenth = -1
        self._started = time.monotonic()

    def advance(self, step: int = 1) -> None:
        """Count ``step`` more units of work done."""
        self.done = min(self.total, self.done + step)
        if not self._enabled:
            return
        if self._tty:
            now = time.monotonic()
            # redraw at most ten times a second: a terminal write per question would cost
            # more than some of the searches being timed
            if now - self._last_draw >= 0.1 or self.done == self.total:
                self._last_draw = now
                self._stream.write("\r" + self._line())
                self._stream.flush()
        else:
            tenth = (10 * self.done) // self.total if self.total else 10
            if tenth != self._last_tenth:
                self._last_tenth = tenth
                self._stream.write(self._line() + "\n")
                self._stream.flush()

    def close(self) -> None:
        """End the bar's line (terminal mode)."""
        if self._tty:
            self._stream.write("\r" + self._line() + "\n")
            self._stream.flush()

    def _line(self) -> str:
        filled = (self._width * self.done) // self.total if self.total else self._width
        bar = "#" * filled + "." * (self._width - filled)
        elapsed = time.monotonic() - self._started
        return f"[{bar}] {self.done}/{self.total} {self.label} ({elapsed:.0f} s)"


@asynccontextmanager
async def ticking(
    seconds: float, label: str, *, enabled: bool = True, stream: TextIO | None = None
) -> AsyncIterator[Progress]:
    """A bar over a run of fixed length: it advances once a second for ``seconds``
    (the load, soak and login benchmarks run for a time, not a number of requests)."""
    bar = Progress(max(1, round(seconds)), label, enabled=enabled, stream=stream)

    async def tick() -> None:
        while bar.done < bar.total:
            await asyncio.sleep(1)
            bar.advance()

    task = asyncio.create_task(tick())
    try:
        yield bar
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        bar.close()
