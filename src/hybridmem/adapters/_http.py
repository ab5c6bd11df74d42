"""REST plumbing shared by the cloud adapters: one status → domain error table,
Retry-After / X-RateLimit-Reset handling, and bounded retries (tenacity) for calls that
are safe to repeat. Not an adapter itself; adapters may import it."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from hybridmem.domain.errors import (
    Conflict,
    HybridMemError,
    InvalidInput,
    NotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from hybridmem.domain.retries import backoff_seconds

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


def retry_after_seconds(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``X-RateLimit-Reset``
    (epoch seconds, or seconds from now when small)."""
    now = time.time() if now is None else now
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - now)
    reset = headers.get("x-ratelimit-reset")
    if reset:
        try:
            number = float(reset)
        except ValueError:
            return None
        return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)
    return None


def error_for(response: httpx.Response, *, upstream: str) -> HybridMemError:
    """The domain error of a non-2xx response (the one table every cloud adapter uses)."""
    status = response.status_code
    detail = _detail(response)
    if status == 429:
        return UpstreamRateLimited(
            f"{upstream} is rate limiting us",
            upstream=upstream,
            retry_after=retry_after_seconds(response.headers),
        )
    if status == 404:
        return NotFound(f"{upstream}: not found", details={"upstream": upstream})
    if status == 409:
        return Conflict(f"{upstream}: conflict", details={"upstream": upstream})
    if status in (400, 413, 422):
        return InvalidInput(
            f"{upstream} refused the request: {detail}", details={"upstream": upstream}
        )
    if status in (401, 403):
        log.error("%s refused our credentials (HTTP %s)", upstream, status)
        return UpstreamUnavailable(f"{upstream} refused our credentials", upstream=upstream)
    return UpstreamUnavailable(f"{upstream} failed (HTTP {status})", upstream=upstream)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error"):
            if key in body:
                return str(body[key])[:200]
    return str(body)[:200]


def retry_wait(attempt: int, error: BaseException | None, *, base: float, cap: float) -> float:
    """Seconds to wait before retrying a request that failed with ``error``."""
    hinted = getattr(error, "retry_after", None)
    return backoff_seconds(
        attempt,
        base=base,
        cap=cap,
        retry_after=float(hinted) if isinstance(hinted, int | float) else None,
    )


class RestClient:
    """One provider's pooled HTTP client, speaking in domain errors.

    ``retry=True`` only for calls that are safe to repeat (reads, deletes, PUT-style
    updates, or writes carrying an idempotency key): transport failures, 5xx and 429 are
    retried with exponential backoff that honours Retry-After, a few times; the outbox
    retries further (with its own backoff) when this gives up.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        upstream: str,
        attempts: int = 3,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.http = http
        self.upstream = upstream
        self._attempts = attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool,
    ) -> httpx.Response:
        """Send; return a 2xx response or raise the mapped domain error."""
        if not retry:
            return await self._once(method, path, json=json, params=params, headers=headers)
        result: httpx.Response | None = None
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            retry=retry_if_exception_type((UpstreamUnavailable, UpstreamRateLimited)),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        ):
            with attempt:
                result = await self._once(method, path, json=json, params=params, headers=headers)
        assert result is not None
        return result

    def _wait(self, state: Any) -> float:
        error = state.outcome.exception() if state.outcome else None
        return retry_wait(state.attempt_number, error, base=self._base_delay, cap=self._max_delay)

    async def _once(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        try:
            response = await self.http.request(
                method, path, json=json, params=params, headers=headers
            )
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise UpstreamUnavailable(
                f"{self.upstream} is unreachable ({type(exc).__name__})", upstream=self.upstream
            ) from exc
        if response.is_success:
            return response
        raise error_for(response, upstream=self.upstream)
