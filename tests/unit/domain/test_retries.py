"""The one backoff rule."""

from __future__ import annotations

import pytest

from hybridmem.domain.retries import backoff_seconds


@pytest.mark.parametrize(
    ("attempt", "expected"), [(0, 0.5), (1, 0.5), (2, 1.0), (3, 2.0), (9, 10.0)]
)
def test_backoff_doubles_up_to_the_cap(attempt: int, expected: float) -> None:
    assert backoff_seconds(attempt, base=0.5, cap=10.0) == expected


def test_a_longer_retry_after_wins_within_the_cap_unless_it_may_go_beyond() -> None:
    assert backoff_seconds(1, base=0.5, cap=10.0, retry_after=3.0) == 3.0
    assert backoff_seconds(1, base=0.5, cap=10.0, retry_after=60.0) == 10.0
    assert backoff_seconds(1, base=0.5, cap=10.0, retry_after=60.0, honour_beyond_cap=True) == 60.0
    assert backoff_seconds(4, base=0.5, cap=10.0, retry_after=1.0) == 4.0  # shorter hint: ignored


def test_huge_attempt_counts_do_not_overflow() -> None:
    assert backoff_seconds(10_000, base=1.0, cap=600.0) == 600.0
