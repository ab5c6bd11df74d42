"""How long to wait before trying again: one backoff rule for every retry in hybridmem."""

from __future__ import annotations


def backoff_seconds(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    honour_beyond_cap: bool = False,
) -> float:
    """Exponential backoff for the ``attempt``-th try (1-based): ``base``, 2·``base``,
    4·``base``… capped at ``cap``; an upstream's ``retry_after`` hint wins when it is
    longer — up to ``cap``, unless ``honour_beyond_cap`` (durable jobs can wait as long as
    asked; a request in flight cannot)."""
    exponent = min(max(0, attempt - 1), 30)
    delay = min(cap, base * (1 << exponent))
    if retry_after is not None and retry_after > delay:
        delay = retry_after if honour_beyond_cap else min(cap, retry_after)
    return float(delay)
