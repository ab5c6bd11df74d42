"""The Zep Cloud v4 REST client: one pooled ``httpx.AsyncClient`` behind ``RestClient``.

Wire conventions (from the requests the official Python SDK 4.0.1 sends):
- every path is relative to ``{ZEP_BASE_URL}/api/v4`` and authenticated with
  ``Authorization: Api-Key <key>``;
- every POST, PATCH and DELETE carries an ``Idempotency-Key`` header, reads by POST
  (lookups, searches, ``…/list``) included;
- lists answer ``{"items": [...], "next_cursor": "..."}`` and take ``page_size`` and
  ``cursor`` query parameters.

Idempotency keys of mutations are derived from our own ids (a UUIDv5), so a retried
outbox delivery of the same operation sends the same key and Zep applies it once.
Reads by POST get a fresh key per call (kept across that call's retries): a derived
key would make Zep replay a stale answer, e.g. a "not found" lookup after the user
has been created.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from hybridmem.adapters._http import RestClient, Sleep
from hybridmem.domain.errors import HybridMemError, UpstreamUnavailable
from hybridmem.domain.keys import composite_key
from hybridmem.ports.health import Health

UPSTREAM = "zep"
API_PREFIX = "/api/v4"
#: The largest page Zep's list endpoints accept (edges/nodes lists document 100).
MAX_PAGE_SIZE = 100
#: Zep's searches take ``page_size`` 1–50 and rank only that many.
MAX_SEARCH_PAGE = 50

Json = dict[str, Any]

# A fixed namespace so derived keys are stable across processes and releases.
_KEY_NAMESPACE = uuid.UUID("6c1d6a3e-3f0b-5a52-9a7e-6b1f0c9e2d41")


def zep_http_client(
    base_url: str,
    api_key: str,
    timeout: float,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The pooled HTTP client for Zep: ``{base_url}/api/v4``, API-key auth, timeouts.

    ``transport`` replaces the network (tests hand in an ``httpx.MockTransport``).
    """
    root = base_url.rstrip("/")
    if not root.endswith(API_PREFIX):
        root += API_PREFIX
    return httpx.AsyncClient(
        base_url=root,
        headers={"Authorization": f"Api-Key {api_key}"},
        timeout=httpx.Timeout(timeout),
        transport=transport,
    )


def derived_key(*parts: str) -> str:
    """The idempotency key of a logically idempotent operation, derived from its parts.

    The parts are joined unambiguously (a part holding the separator is escaped); parts
    without ``\x1f`` or ``%`` — every key made so far — give the same key as before."""
    return str(uuid.uuid5(_KEY_NAMESPACE, composite_key(*parts, separator="\x1f")))


def digest(value: Any) -> str:
    """A short stable fingerprint of a JSON value (part of keys of updates, whose body
    matters: a different update must not replay an earlier one)."""
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def segment(value: str) -> str:
    """A path segment: ids are percent-encoded so they cannot change the path."""
    return quote(value, safe="")


def items_of(body: Json, *fallbacks: str) -> list[Json]:
    """The objects of a page (``items``; older shapes named the list, e.g. ``edges``)."""
    for key in ("items", *fallbacks):
        value = body.get(key)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    return []


def next_cursor_of(body: Json) -> str | None:
    """The cursor of the following page, None on the last one."""
    value = body.get("next_cursor")
    return value if isinstance(value, str) and value else None


class ZepClient:
    """Zep's REST API in domain errors, with the SDK's idempotency conventions.

    Every call is retried by ``RestClient`` (transport errors, 5xx, 429 honouring
    Retry-After): reads and deletes are safe to repeat, and every write carries an
    idempotency key. ``attempts``/``sleep`` are exposed so tests need not wait.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        attempts: int = 3,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rest = RestClient(
            http,
            upstream=UPSTREAM,
            attempts=attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
        )

    async def health(self) -> Health:
        """Zep answers an authenticated request."""
        return Health(ok=await self.ping(), backend="zep")

    async def ping(self) -> bool:
        """Whether Zep answers an authenticated request (one page of one user, no retry)."""
        try:
            await self.rest.request(
                "POST",
                "users/list",
                json={},
                params={"page_size": 1},
                headers={"Idempotency-Key": str(uuid.uuid4())},
                retry=False,
            )
        except HybridMemError:
            return False
        return True

    async def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Json:
        """A GET read."""
        response = await self.rest.request("GET", path, params=params, retry=True)
        return _body(response)

    async def read(self, path: str, body: Json, *, params: Mapping[str, Any] | None = None) -> Json:
        """A read sent as POST (lookup, search, list) with a fresh idempotency key."""
        response = await self.rest.request(
            "POST",
            path,
            json=body,
            params=params,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            retry=True,
        )
        return _body(response)

    async def write(self, method: str, path: str, body: Json, *, key: str) -> Json:
        """A POST/PATCH mutation under ``key`` (retried: Zep applies a key once)."""
        response = await self.rest.request(
            method, path, json=body, headers={"Idempotency-Key": key}, retry=True
        )
        return _body(response)

    async def delete(self, path: str, *, key: str) -> None:
        """A DELETE (idempotent by nature; the key mirrors the SDK)."""
        await self.rest.request("DELETE", path, headers={"Idempotency-Key": key}, retry=True)

    async def collect(
        self,
        path: str,
        body: Json,
        *,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int,
    ) -> list[Json]:
        """Every item of a POST ``…/list`` endpoint, following ``next_cursor``, at most
        ``max_pages`` pages (a bound on calls for very large graphs)."""
        collected: list[Json] = []
        cursor: str | None = None
        for _ in range(max_pages):
            params: dict[str, Any] = {"page_size": page_size}
            if cursor is not None:
                params["cursor"] = cursor
            page = await self.read(path, body, params=params)
            collected.extend(items_of(page))
            cursor = next_cursor_of(page)
            if cursor is None:
                break
        return collected


def _body(response: httpx.Response) -> Json:
    if not response.content:
        return {}
    try:
        parsed = response.json()
    except ValueError as exc:
        raise UpstreamUnavailable(
            "zep answered with a body that is not JSON", upstream=UPSTREAM
        ) from exc
    if not isinstance(parsed, dict):
        raise UpstreamUnavailable("zep answered with an unexpected body", upstream=UPSTREAM)
    return parsed
