"""Mem0's answer to an add: the memory id now, or an event to poll for it.

Per the Platform spec, ``POST /v3/memories/add/`` answers ``{"event_id", "status"}``
(``PENDING``) and the outcome appears at ``GET /v1/event/{event_id}/`` (``PENDING`` →
``RUNNING`` → ``SUCCEEDED``/``FAILED``, with ``results``); with ``infer: false`` the
add may be processed at once and answer ``results`` (``[{"id", "data", "event"}]``)
directly. Both are handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from hybridmem.adapters._http import Sleep
from hybridmem.adapters.mem0.client import UPSTREAM, Mem0Client
from hybridmem.domain.errors import NotFound, UpstreamUnavailable

log = logging.getLogger(__name__)

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"


def added_memory_id(results: Any) -> str | None:
    """The id of the memory an add created, from its ``results`` (None if absent)."""
    if not isinstance(results, list):
        return None
    for item in results:
        if not isinstance(item, Mapping):
            continue
        memory_id = item.get("id") or item.get("memory_id")
        event = str(item.get("event") or "ADD").upper()
        if isinstance(memory_id, str) and memory_id and event == "ADD":
            return memory_id
    return None


def _failed(body: Mapping[str, Any]) -> UpstreamUnavailable:
    # Nothing was stored: the caller's job fails and is retried (the existence check
    # before each add keeps that safe).
    reason = body.get("error") or body.get("message") or "no reason given"
    return UpstreamUnavailable(
        f"{UPSTREAM} could not store the memory: {str(reason)[:200]}", upstream=UPSTREAM
    )


class AddSettler:
    """Turns an add answer into a memory id, polling the event a bounded number of times.

    Returns None when the id is not known yet (still queued after ``poll_attempts``, or
    ``wait=False``): the memory will appear, and its id is then found by metadata.
    """

    def __init__(
        self,
        client: Mem0Client,
        *,
        wait: bool = True,
        poll_attempts: int = 10,
        poll_interval: float = 0.5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._client = client
        self._wait = wait
        self._poll_attempts = max(1, poll_attempts)
        self._poll_interval = poll_interval
        self._sleep = sleep

    async def settle(self, answer: Mapping[str, Any]) -> str | None:
        """The memory id of an add answer (see the class docstring)."""
        memory_id = added_memory_id(answer.get("results"))
        if memory_id is not None:
            return memory_id
        status = str(answer.get("status") or "").upper()
        if status == FAILED:
            raise _failed(answer)
        event_id = answer.get("event_id")
        if not isinstance(event_id, str) or not event_id or not self._wait:
            return None
        return await self._poll(event_id)

    async def _poll(self, event_id: str) -> str | None:
        for attempt in range(self._poll_attempts):
            if attempt:
                await self._sleep(self._poll_interval)
            try:
                event = await self._client.event(event_id)
            except NotFound:
                continue  # the event record may trail the add by a moment
            status = str(event.get("status") or "").upper()
            if status == SUCCEEDED:
                return added_memory_id(event.get("results"))
            if status == FAILED:
                raise _failed(event)
        log.info("mem0 add event %s still pending; its memory id will be looked up", event_id)
        return None
