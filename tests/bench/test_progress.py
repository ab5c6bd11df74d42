"""The benchmark progress bar: redrawn in place on a terminal, a line per tenth in logs."""

from __future__ import annotations

import asyncio
import io

from hybridmem_bench.progress import Progress, ticking


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_mode_prints_a_line_per_tenth():
    stream = io.StringIO()
    bar = Progress(100, "questions", stream=stream)
    for _ in range(100):
        bar.advance()
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # 0/10 … 10/10
    assert lines[-1].startswith("[" + "#" * 30 + "] 100/100 questions")


def test_terminal_mode_redraws_in_place_and_ends_the_line():
    stream = Terminal()
    bar = Progress(3, "turns", stream=stream)
    for _ in range(3):
        bar.advance()
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[")
    assert text.endswith("3/3 turns (0 s)\n")
    assert text.count("\n") == 1


def test_disabled_is_silent():
    stream = Terminal()
    bar = Progress(5, "x", enabled=False, stream=stream)
    bar.advance(5)
    bar.close()
    assert stream.getvalue() == ""
    assert bar.done == 5


async def test_a_timed_run_advances_once_a_second_and_stops_with_the_work():
    stream = io.StringIO()
    async with ticking(60, "s, 4 users", stream=stream) as bar:
        await asyncio.sleep(2.5)
    assert 1 <= bar.done <= 3  # a loaded machine may lose a tick, never gain one
    lines = stream.getvalue().splitlines()
    assert lines
    assert all(" s, 4 users " in line for line in lines)
    # the ticker is gone once the run ends: nothing more is written
    written = stream.getvalue()
    await asyncio.sleep(1.2)
    assert stream.getvalue() == written
