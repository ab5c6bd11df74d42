"""An in-memory Mem0 Platform behind ``httpx.MockTransport``, answering with the shapes
of the Platform OpenAPI spec: v3 add (queued event or synchronous results), the event
endpoint, v3 list (paginated envelope) and search (filters with AND/OR/NOT, entity ids
and metadata equality), v1 get/update/delete/history, delete-all and entity delete.

It records every request, and can be told to fail: ``fail(...)`` queues canned
responses for matching requests, sent instead of processing (``after=False``) or after
processing, as when a response is lost on the way back (``after=True``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

ENTITY_KEYS = ("user_id", "agent_id", "app_id", "run_id")
BASE_URL = "https://api.mem0.ai"


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    raw_path: str
    query: dict[str, list[str]]
    headers: httpx.Headers
    body: Any


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    response: httpx.Response
    after: bool


@dataclass
class _Event:
    event_id: str
    payload: dict[str, Any]
    memory_ids: list[str]
    polls_left: int
    status: str = "PENDING"
    error: str | None = None


@dataclass
class FakeMem0:
    """The fake platform; ``handler`` is the MockTransport handler."""

    api_key: str = "m0-test"
    add_mode: str = "async"  # "async": queued event; "sync": results in the add answer
    pending_polls: int = 1  # event polls answered PENDING/RUNNING before SUCCEEDED
    fail_events: bool = False
    memories: dict[str, dict[str, Any]] = field(default_factory=dict)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events: dict[str, _Event] = field(default_factory=dict)
    entities: set[str] = field(default_factory=set)
    requests: list[Recorded] = field(default_factory=list)
    _faults: list[_Fault] = field(default_factory=list)
    _queued: dict[str, dict[str, Any]] = field(default_factory=dict)
    _counter: int = 0
    _now: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))

    def transport(self) -> httpx.MockTransport:
        """The transport to give an ``httpx.AsyncClient``."""
        return httpx.MockTransport(self.handler)

    def fail(self, method: str, path: str, *responses: httpx.Response, after: bool = False) -> None:
        """Answer the next matching requests (``path`` a regex) with ``responses``."""
        for response in responses:
            self._faults.append(_Fault(method, re.compile(path), response, after))

    def of(self, method: str, path: str = ".*") -> list[Recorded]:
        """The recorded requests with this method whose path matches the regex."""
        return [r for r in self.requests if r.method == method and re.fullmatch(path, r.path)]

    def process(self) -> None:
        """Finish every queued add (as the platform eventually does)."""
        for event in self.events.values():
            if event.status in ("PENDING", "RUNNING"):
                self._complete(event)

    def stored(self, user_id: str) -> list[dict[str, Any]]:
        """The user's visible memories."""
        return [m for m in self.memories.values() if m["user_id"] == user_id]

    # --- plumbing --------------------------------------------------------------------

    def _id(self) -> str:
        self._counter += 1
        return str(uuid.UUID(int=self._counter))

    def _stamp(self) -> str:
        self._now += timedelta(seconds=1)
        return self._now.isoformat()

    def handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        recorded = Recorded(
            method=request.method,
            path=request.url.path,
            raw_path=request.url.raw_path.decode().split("?")[0],
            query=parse_qs(request.url.query.decode()),
            headers=request.headers,
            body=body,
        )
        self.requests.append(recorded)
        if request.headers.get("authorization") != f"Token {self.api_key}":
            return httpx.Response(401, json={"detail": "Invalid API key"})
        fault = next(
            (
                f
                for f in self._faults
                if f.method == recorded.method and f.path.fullmatch(recorded.path)
            ),
            None,
        )
        if fault is not None:
            self._faults.remove(fault)
            if not fault.after:
                return fault.response
        response = self._route(recorded)
        return fault.response if fault is not None else response

    def _route(self, r: Recorded) -> httpx.Response:
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v3/memories/add/", self._add),
            ("GET", r"/v1/event/(?P<ref>[^/]+)/", self._event),
            ("POST", r"/v3/memories/", self._list),
            ("POST", r"/v3/memories/search/", self._search),
            ("GET", r"/v1/memories/(?P<ref>[^/]+)/history/", self._history),
            ("GET", r"/v1/memories/(?P<ref>[^/]+)/", self._get),
            ("PUT", r"/v1/memories/(?P<ref>[^/]+)/", self._update),
            ("DELETE", r"/v1/memories/(?P<ref>[^/]+)/", self._delete),
            ("DELETE", r"/v1/memories/", self._delete_all),
            ("DELETE", r"/v2/entities/(?P<kind>[^/]+)/(?P<ref>[^/]+)/", self._delete_entity),
        ]
        for method, pattern, route in routes:
            match = re.fullmatch(pattern, r.path)
            if method == r.method and match:
                result: httpx.Response = route(r, **match.groupdict())
                return result
        return httpx.Response(404, json={"detail": "Not found."})

    @staticmethod
    def _bad(message: str) -> httpx.Response:
        return httpx.Response(400, json={"error": message})

    # --- add and events --------------------------------------------------------------

    def _add(self, r: Recorded) -> httpx.Response:
        body = r.body or {}
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self._bad("messages is required")
        user_id = body.get("user_id")
        if not isinstance(user_id, str):
            return self._bad("At least one entity ID is required")
        metadata = body.get("metadata") or {}
        event = _Event(self._id(), body, [], self.pending_polls)
        for message in messages:
            memory_id = self._id()
            event.memory_ids.append(memory_id)
            self._queued[memory_id] = {
                "id": memory_id,
                "memory": message["content"],
                "user_id": user_id,
                "metadata": json.loads(json.dumps(metadata)),
                "categories": [],
            }
        self.events[event.event_id] = event
        if self.add_mode == "sync":
            self._complete(event)
            return httpx.Response(
                200,
                json={
                    "message": "Memories added",
                    "results": self._results(event),
                },
            )
        return httpx.Response(200, json={"event_id": event.event_id, "status": "PENDING"})

    def _results(self, event: _Event) -> list[dict[str, Any]]:
        return [
            {
                "id": memory_id,
                "data": {"memory": self.memories[memory_id]["memory"]},
                "event": "ADD",
            }
            for memory_id in event.memory_ids
            if memory_id in self.memories
        ]

    def _complete(self, event: _Event) -> None:
        if self.fail_events:
            event.status, event.error = "FAILED", "extraction failed"
            for memory_id in event.memory_ids:
                self._queued.pop(memory_id, None)
            return
        event.status = "SUCCEEDED"
        for memory_id in event.memory_ids:
            memory = self._queued.pop(memory_id, None)
            if memory is None:
                continue
            stamp = self._stamp()
            memory.update(created_at=stamp, updated_at=stamp)
            self.memories[memory_id] = memory
            self.entities.add(memory["user_id"])
            self.histories[memory_id] = [self._entry(memory, "ADD", None, stamp)]

    def _entry(
        self, memory: dict[str, Any], event: str, old: str | None, stamp: str
    ) -> dict[str, Any]:
        return {
            "id": self._id(),
            "memory_id": memory["id"],
            "input": [{"role": "user", "content": memory["memory"]}],
            "old_memory": old,
            "new_memory": memory["memory"],
            "user_id": memory["user_id"],
            "event": event,
            "metadata": json.loads(json.dumps(memory["metadata"])),
            "created_at": stamp,
            "updated_at": stamp,
        }

    def _event(self, r: Recorded, ref: str) -> httpx.Response:
        event = self.events.get(ref)
        if event is None:
            return httpx.Response(404, json={"error": "Event not found"})
        if event.status in ("PENDING", "RUNNING"):
            if event.polls_left > 0:
                event.polls_left -= 1
                event.status = "RUNNING" if event.polls_left == 0 else "PENDING"
            else:
                self._complete(event)
        return httpx.Response(
            200,
            json={
                "id": event.event_id,
                "event_type": "ADD",
                "status": event.status,
                "payload": event.payload,
                "metadata": None,
                "results": self._results(event) if event.status == "SUCCEEDED" else [],
                "error": event.error,
            },
        )

    # --- reading ---------------------------------------------------------------------

    def _matches(self, memory: dict[str, Any], condition: dict[str, Any]) -> bool:
        for key, expected in condition.items():
            if key == "AND":
                ok = all(self._matches(memory, c) for c in expected)
            elif key == "OR":
                ok = any(self._matches(memory, c) for c in expected)
            elif key == "NOT":
                ok = not all(self._matches(memory, c) for c in expected)
            elif key in ENTITY_KEYS:
                value = memory.get(key)
                if expected == "*":
                    ok = value is not None
                elif isinstance(expected, dict) and "in" in expected:
                    ok = value in expected["in"]
                else:
                    ok = value == expected
            elif key == "metadata":
                stored = memory.get("metadata") or {}
                ok = all(stored.get(k) == v for k, v in expected.items())
            else:
                raise ValueError(f"unsupported filter field {key}")
            if not ok:
                return False
        return True

    @staticmethod
    def _scoped(filters: Any) -> bool:
        """True when the filters name an entity id (the platform requires one)."""
        if isinstance(filters, dict):
            return any(k in ENTITY_KEYS or FakeMem0._scoped(v) for k, v in filters.items())
        if isinstance(filters, list):
            return any(FakeMem0._scoped(item) for item in filters)
        return False

    def _filtered(self, body: Any) -> list[dict[str, Any]] | httpx.Response:
        if not isinstance(body, dict) or any(key in body for key in ENTITY_KEYS):
            return self._bad("Entity IDs must be passed inside filters")
        filters = body.get("filters")
        if not isinstance(filters, dict) or not self._scoped(filters):
            return self._bad("filters with an entity ID are required")
        try:
            return [m for m in self.memories.values() if self._matches(m, filters)]
        except ValueError as exc:
            return self._bad(str(exc))

    def _list(self, r: Recorded) -> httpx.Response:
        found = self._filtered(r.body)
        if isinstance(found, httpx.Response):
            return found
        page = int(r.query.get("page", ["1"])[0])
        size = int(r.query.get("page_size", ["100"])[0])
        if size > 200:
            return self._bad("page_size must be <= 200")
        found.sort(key=lambda m: (m["created_at"], m["id"]), reverse=True)
        start = (page - 1) * size
        if page > 1 and start >= len(found):
            return httpx.Response(404, json={"detail": "Invalid page."})
        more = start + size < len(found)
        return httpx.Response(
            200,
            json={
                "count": len(found),
                "next": f"{BASE_URL}/v3/memories/?page={page + 1}&page_size={size}"
                if more
                else None,
                "previous": f"{BASE_URL}/v3/memories/?page={page - 1}&page_size={size}"
                if page > 1
                else None,
                "results": [self._public(m) for m in found[start : start + size]],
            },
        )

    @staticmethod
    def _words(text: str) -> set[str]:
        return {word.rstrip("s") for word in re.findall(r"\w+", text.casefold())}

    def _search(self, r: Recorded) -> httpx.Response:
        found = self._filtered(r.body)
        if isinstance(found, httpx.Response):
            return found
        body = r.body
        if not isinstance(body.get("query"), str) or not body["query"]:
            return self._bad("query is required")
        query = self._words(body["query"])
        hits = []
        for memory in found:
            words = self._words(memory["memory"])
            score = len(query & words) / len(query | words) if query | words else 0.0
            if score >= body.get("threshold", 0.1):
                hits.append({**self._public(memory), "score": round(score, 4)})
        hits.sort(key=lambda h: (-h["score"], h["id"]))
        return httpx.Response(200, json={"results": hits[: body.get("top_k", 10)]})

    def _public(self, memory: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps(memory))  # type: ignore[no-any-return]

    def _get(self, r: Recorded, ref: str) -> httpx.Response:
        memory = self.memories.get(ref)
        if memory is None:
            return httpx.Response(404, json={"error": "Memory not found!"})
        return httpx.Response(200, json=self._public(memory))

    def _history(self, r: Recorded, ref: str) -> httpx.Response:
        if ref not in self.histories:
            return httpx.Response(404, json={"error": "Memory not found!"})
        return httpx.Response(200, json=self.histories[ref])

    # --- changing --------------------------------------------------------------------

    def _update(self, r: Recorded, ref: str) -> httpx.Response:
        memory = self.memories.get(ref)
        if memory is None:
            return httpx.Response(404, json={"error": "Memory not found!"})
        body = r.body or {}
        old = memory["memory"]
        if "text" in body:
            memory["memory"] = body["text"]
        if "metadata" in body:
            memory["metadata"] = body["metadata"]
        stamp = self._stamp()
        memory["updated_at"] = stamp
        self.histories[ref].append(self._entry(memory, "UPDATE", old, stamp))
        return httpx.Response(200, json=self._public(memory))

    def _forget(self, memory_id: str) -> None:
        memory = self.memories.pop(memory_id)
        entry = self._entry(memory, "DELETE", memory["memory"], self._stamp())
        entry["new_memory"] = None
        self.histories[memory_id].append(entry)

    def _delete(self, r: Recorded, ref: str) -> httpx.Response:
        if ref not in self.memories:
            return httpx.Response(404, json={"error": "Memory not found!"})
        self._forget(ref)
        return httpx.Response(200, json={"message": "Memory deleted successfully!"})

    def _delete_all(self, r: Recorded) -> httpx.Response:
        user_id = r.query.get("user_id", [None])[0]
        if not user_id:
            return self._bad("At least one filter is required")
        for memory in self.stored(user_id):
            self._forget(memory["id"])
        return httpx.Response(
            200,
            json={
                "message": "Delete in progress. This may take some time.",
                "event_id": self._id(),
            },
        )

    def _delete_entity(self, r: Recorded, kind: str, ref: str) -> httpx.Response:
        if kind != "user" or ref not in self.entities:
            return httpx.Response(404, json={"error": "Entity not found"})
        self.entities.discard(ref)
        for memory in self.stored(ref):
            self._forget(memory["id"])
        return httpx.Response(
            200,
            json={
                "message": "Delete in progress. This may take some time.",
                "event_id": self._id(),
            },
        )
