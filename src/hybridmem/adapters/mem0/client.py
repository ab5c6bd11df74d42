"""The Mem0 Platform endpoints hybridmem uses, over the shared REST plumbing.

Shapes follow the Platform OpenAPI spec and the requests of the official Python SDK
(2.2.1): ``Authorization: Token <key>``; v3 add with the entity id at the top level;
v3 search and v3 list with the entity id inside ``filters``; v1 get/update/delete and
history by memory id; delete-all by ``user_id`` query; v2 entity delete.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from hybridmem.adapters._http import RestClient, Sleep, retry_wait
from hybridmem.domain.errors import (
    HybridMemError,
    NotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from hybridmem.ports.health import Health

UPSTREAM = "mem0"
DEFAULT_BASE_URL = "https://api.mem0.ai"
#: The largest ``page_size`` v3 list accepts, and the largest ``top_k`` of v3 search.
MAX_PAGE_SIZE = 200
MAX_TOP_K = 1000

JsonObject = dict[str, Any]
Filters = Mapping[str, Any]


def mem0_http_client(
    base_url: str,
    api_key: str,
    timeout: float = 15.0,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A pooled HTTP client for the Platform (``MEM0_API_URL``), authenticated with
    ``Authorization: Token <api_key>``. The caller owns it (``aclose`` on shutdown);
    ``transport`` is for tests and proxies."""
    if not api_key:
        raise ValueError("a Mem0 API key is required (MEM0_API_KEY)")
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/") or DEFAULT_BASE_URL,
        headers={"Authorization": f"Token {api_key}", "Accept": "application/json"},
        timeout=httpx.Timeout(timeout),
        transport=transport,
    )


def _segment(value: str) -> str:
    # Our ids may hold ":", "@" or "+"; a path segment must carry them encoded.
    return quote(value, safe="")


def _malformed(what: str) -> UpstreamUnavailable:
    return UpstreamUnavailable(f"{UPSTREAM} returned a malformed {what}", upstream=UPSTREAM)


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise _malformed(what) from exc


def _object(response: httpx.Response, what: str) -> JsonObject:
    body = _json(response, what)
    if not isinstance(body, dict):
        raise _malformed(what)
    return body


class Mem0Client:
    """Typed calls to Mem0, speaking in domain errors (see ``RestClient``).

    Reads, PUT updates and deletes are retried (they are safe to repeat). ``add`` is
    not retried blindly: a lost response may hide a stored memory, so each retry first
    asks the caller's existence check (:meth:`add_guarded`).
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
        self._rest = RestClient(
            http,
            upstream=UPSTREAM,
            attempts=attempts,
            base_delay=base_delay,
            max_delay=max_delay,
            sleep=sleep,
        )
        self._attempts = max(1, attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep

    def _delay(self, attempt: int, error: Exception | None) -> float:
        """The shared backoff, honouring the upstream's Retry-After hint."""
        return retry_wait(attempt, error, base=self._base_delay, cap=self._max_delay)

    async def health(self) -> Health:
        """Mem0 answers an authenticated request."""
        return Health(ok=await self.ping(), backend="mem0")

    async def ping(self) -> bool:
        """Whether Mem0 answers its ping endpoint with our key (no retry)."""
        try:
            await self._rest.request("GET", "/v1/ping/", retry=False)
        except HybridMemError:
            return False
        return True

    # --- writes ----------------------------------------------------------------------

    async def add(self, *, user_id: str, text: str, metadata: Mapping[str, Any]) -> JsonObject:
        """POST /v3/memories/add/ one verbatim memory (``infer: false``); sent once."""
        response = await self._rest.request(
            "POST",
            "/v3/memories/add/",
            json={
                "messages": [{"role": "user", "content": text}],
                "user_id": user_id,
                "metadata": dict(metadata),
                "infer": False,
            },
            retry=False,
        )
        body = _json(response, "add response")
        # The v1 add answered a bare array of queue objects; accept it too.
        if isinstance(body, list):
            body = body[0] if body and isinstance(body[0], dict) else {}
        if not isinstance(body, dict):
            raise _malformed("add response")
        return body

    async def add_guarded(
        self,
        *,
        user_id: str,
        text: str,
        metadata: Mapping[str, Any],
        exists: Callable[[], Awaitable[bool]],
    ) -> JsonObject | None:
        """Add, retrying transient failures; before each retry ``exists()`` is asked so
        an add whose response was lost is not stored twice. None when it turned out
        to be stored already."""
        error: UpstreamUnavailable | UpstreamRateLimited | None = None
        for attempt in range(self._attempts):
            if attempt:
                await self._sleep(self._delay(attempt, error))
                if await exists():
                    return None
            try:
                return await self.add(user_id=user_id, text=text, metadata=metadata)
            except (UpstreamUnavailable, UpstreamRateLimited) as exc:
                error = exc
        assert error is not None
        raise error

    async def update(self, memory_id: str, *, text: str, metadata: Mapping[str, Any]) -> JsonObject:
        """PUT /v1/memories/{id}/ with the full text and metadata (idempotent)."""
        response = await self._rest.request(
            "PUT",
            f"/v1/memories/{_segment(memory_id)}/",
            json={"text": text, "metadata": dict(metadata)},
            retry=True,
        )
        return _object(response, "memory")

    async def delete(self, memory_id: str) -> None:
        """DELETE /v1/memories/{id}/.

        NotFound when the memory is gone before our first attempt. Once an attempt
        has failed in transit it may still have landed, so a 404 on a later attempt
        means our own delete succeeded and is not an error.
        """
        path = f"/v1/memories/{_segment(memory_id)}/"
        try:
            await self._rest.request("DELETE", path, retry=False)
            return
        except (UpstreamUnavailable, UpstreamRateLimited) as exc:
            await self._sleep(self._delay(1, exc))
        try:
            await self._rest.request("DELETE", path, retry=True)
        except NotFound:
            return

    async def delete_user_memories(self, user_id: str) -> None:
        """DELETE /v1/memories/?user_id=… (queued at Mem0); a 404 means nothing left."""
        try:
            await self._rest.request(
                "DELETE", "/v1/memories/", params={"user_id": user_id}, retry=True
            )
        except NotFound:
            return

    async def delete_entity(self, entity_type: str, entity_id: str) -> None:
        """DELETE /v2/entities/{type}/{id}/ (queued at Mem0); a 404 means already gone."""
        try:
            await self._rest.request(
                "DELETE",
                f"/v2/entities/{_segment(entity_type)}/{_segment(entity_id)}/",
                retry=True,
            )
        except NotFound:
            return

    # --- reads -----------------------------------------------------------------------

    async def event(self, event_id: str) -> JsonObject:
        """GET /v1/event/{id}/: the status (and results) of a queued operation."""
        response = await self._rest.request("GET", f"/v1/event/{_segment(event_id)}/", retry=True)
        return _object(response, "event")

    async def get(self, memory_id: str) -> JsonObject:
        """GET /v1/memories/{id}/."""
        response = await self._rest.request(
            "GET", f"/v1/memories/{_segment(memory_id)}/", retry=True
        )
        return _object(response, "memory")

    async def history(self, memory_id: str) -> list[JsonObject]:
        """GET /v1/memories/{id}/history/: the memory's change entries."""
        response = await self._rest.request(
            "GET", f"/v1/memories/{_segment(memory_id)}/history/", retry=True
        )
        body = _json(response, "memory history")
        if not isinstance(body, list):
            raise _malformed("memory history")
        return [entry for entry in body if isinstance(entry, dict)]

    async def list_page(self, filters: Filters, *, page: int, page_size: int) -> JsonObject:
        """POST /v3/memories/?page=…&page_size=…: one page of the paginated envelope
        (``count``, ``next``, ``previous``, ``results``)."""
        response = await self._rest.request(
            "POST",
            "/v3/memories/",
            params={"page": page, "page_size": min(max(1, page_size), MAX_PAGE_SIZE)},
            json={"filters": dict(filters)},
            retry=True,
        )
        body = _json(response, "memory list")
        if isinstance(body, list):  # an unpaginated answer: everything at once
            return {"count": len(body), "next": None, "previous": None, "results": body}
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise _malformed("memory list")
        return body

    async def search(
        self, query: str, filters: Filters, *, top_k: int, threshold: float
    ) -> list[JsonObject]:
        """POST /v3/memories/search/: ranked memories, each with a ``score`` in [0, 1]."""
        response = await self._rest.request(
            "POST",
            "/v3/memories/search/",
            json={
                "query": query,
                "filters": dict(filters),
                "top_k": min(max(1, top_k), MAX_TOP_K),
                "threshold": threshold,
            },
            retry=True,
        )
        body = _json(response, "search response")
        results = body.get("results") if isinstance(body, dict) else body
        if not isinstance(results, list):
            raise _malformed("search response")
        return [hit for hit in results if isinstance(hit, dict)]
