"""An in-memory Zep Cloud v4 behind ``httpx.MockTransport``: it records every request and
answers with the v4 shapes (users, threads, messages with 202 + task, episodes, edge and
node lists and search, ``{"items", "next_cursor"}`` pages, ``{"error": {...}}`` errors).

Idempotency is modelled as Zep documents it for the SDK's keys: a mutation repeated with
the same ``Idempotency-Key`` replays the first answer instead of running again.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

Json = dict[str, Any]
BASE_URL = "https://api.getzep.com"
API_KEY = "z_TESTKEY"


@dataclass
class Recorded:
    """One request as Zep received it."""

    method: str
    url: str
    path: str  # below /api/v4
    params: dict[str, str]
    headers: httpx.Headers
    body: Any

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)


class InMemoryProviderLinks:
    """``ProviderLinks`` in a dict (the PostgreSQL one has its own contract tests)."""

    def __init__(self) -> None:
        self.links: dict[tuple[str, str, str, str], str] = {}

    async def get(self, provider: str, kind: str, user_id: str, local_id: str) -> str | None:
        return self.links.get((provider, kind, user_id, local_id))

    async def put(
        self, provider: str, kind: str, user_id: str, local_id: str, remote_id: str
    ) -> None:
        self.links[(provider, kind, user_id, local_id)] = remote_id

    async def forget_user(self, provider: str, user_id: str) -> None:
        for key in [k for k in self.links if k[0] == provider and k[2] == user_id]:
            del self.links[key]


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


class FakeZep:
    """The fake service. ``fail(...)`` scripts error answers before the real handling."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.requests: list[Recorded] = []
        self.users: dict[str, Json] = {}
        self.threads: dict[str, Json] = {}
        self.messages: dict[str, list[Json]] = {}
        self.episodes: dict[str, list[Json]] = {}
        self.nodes: dict[str, list[Json]] = {}
        self.edges: dict[str, list[Json]] = {}
        self._replays: dict[str, tuple[int, bytes]] = {}
        self._failures: list[Failure] = []
        self._counters: dict[str, itertools.count[int]] = {}
        self._now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., httpx.Response]]] = [
            ("POST", re.compile(r"/users"), self._create_user),
            ("POST", re.compile(r"/users/lookup"), self._lookup_user),
            ("PATCH", re.compile(r"/users/([^/]+)"), self._update_user),
            ("DELETE", re.compile(r"/users/([^/]+)"), self._delete_user),
            ("GET", re.compile(r"/users/([^/]+)/node"), self._user_node),
            ("POST", re.compile(r"/threads"), self._create_thread),
            ("GET", re.compile(r"/threads/([^/]+)/messages"), self._list_messages),
            ("POST", re.compile(r"/threads/([^/]+)/messages"), self._add_messages),
            ("GET", re.compile(r"/threads/([^/]+)/context"), self._thread_context),
            ("POST", re.compile(r"/graphs/([^/]+)/episodes"), self._add_episode),
            ("POST", re.compile(r"/graphs/([^/]+)/search/edges"), self._search_edges),
            ("POST", re.compile(r"/graphs/([^/]+)/search/episodes"), self._search_episodes),
            ("POST", re.compile(r"/graphs/([^/]+)/edges/list"), self._list_edges),
            ("POST", re.compile(r"/graphs/([^/]+)/nodes/list"), self._list_nodes),
            ("GET", re.compile(r"/graphs/([^/]+)/nodes/([^/]+)"), self._get_node),
        ]

    # -- test controls -------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def fail(self, method: str, path: str, status: int, *, times: int = 1, **headers: str) -> None:
        """Answer the next ``times`` requests matching ``path`` (a regex) with ``status``."""
        self._failures.append(
            Failure(
                method,
                re.compile(path),
                status,
                times,
                {k.replace("_", "-"): v for k, v in headers.items()},
            )
        )

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or re.fullmatch(path, r.path))
        ]

    def add_node(self, graph: str, name: str, labels: list[str], summary: str = "") -> str:
        node = {
            "uuid": self._id("n-uuid"),
            "name": name,
            "labels": ["Entity", *labels],
            "summary": summary,
            "attributes": {},
            "graph_uuid": graph,
            "created_at": self._stamp(),
        }
        self.nodes.setdefault(graph, []).append(node)
        return str(node["uuid"])

    def add_edge(
        self, graph: str, name: str, fact: str, source: str, target: str, **times: Any
    ) -> str:
        edge: Json = {
            "uuid": self._id("e-uuid"),
            "name": name,
            "fact": fact,
            "source_node_uuid": source,
            "target_node_uuid": target,
            "graph_uuid": graph,
            "scope": times.pop("scope", "entity"),
            "episode_uuids": times.pop("episodes", ["ep-uuid-1"]),
            "attributes": {},
            "created_at": self._stamp(),
            **{key: value.isoformat().replace("+00:00", "Z") for key, value in times.items()},
        }
        self.edges.setdefault(graph, []).append(edge)
        return str(edge["uuid"])

    # -- transport -----------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v4")
        body = json.loads(request.content) if request.content else None
        recorded = Recorded(
            request.method, str(request.url), path, dict(request.url.params), request.headers, body
        )
        self.requests.append(recorded)
        if request.headers.get("authorization") != f"Api-Key {self.api_key}":
            return _error(401, "unauthorized", "invalid API key")
        for failure in self._failures:
            if (
                failure.times
                and failure.method == request.method
                and failure.pattern.fullmatch(path)
            ):
                failure.times -= 1
                return httpx.Response(
                    failure.status,
                    headers=failure.headers,
                    json={"error": {"code": "scripted", "message": "scripted"}},
                )
        key = recorded.idempotency_key
        if request.method in ("POST", "PATCH", "DELETE") and key in self._replays:
            status, content = self._replays[key]
            return httpx.Response(
                status, content=content, headers={"content-type": "application/json"}
            )
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if method == request.method and match:
                response = handler(recorded, *match.groups())
                break
        else:
            response = _error(404, "not_found", f"no route {request.method} {path}")
        if key is not None and response.status_code < 500 and response.status_code != 429:
            self._replays[key] = (response.status_code, response.content)
        return response

    def _id(self, prefix: str) -> str:
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}-{next(counter)}"

    def _stamp(self) -> str:
        self._now += timedelta(seconds=1)
        return self._now.isoformat().replace("+00:00", "Z")

    # -- users -----------------------------------------------------------------------

    def _create_user(self, request: Recorded) -> httpx.Response:
        body = request.body or {}
        if any(user["user_id"] == body.get("user_id") for user in self.users.values()):
            return _error(409, "conflict", "user already exists")
        user = {"uuid": self._id("u-uuid"), "created_at": self._stamp(), **body}
        self.users[user["uuid"]] = user
        return httpx.Response(201, json=user)

    def _lookup_user(self, request: Recorded) -> httpx.Response:
        wanted = (request.body or {}).get("user_id")
        for user in self.users.values():
            if user["user_id"] == wanted:
                return httpx.Response(200, json=user)
        return _error(404, "not_found", "user not found")

    def _update_user(self, request: Recorded, uuid: str) -> httpx.Response:
        if uuid not in self.users:
            return _error(404, "not_found", "user not found")
        user = self.users[uuid]
        for name, value in (request.body or {}).items():
            if name == "metadata":
                user["metadata"] = {**user.get("metadata", {}), **value}
            else:
                user[name] = value
        return httpx.Response(200, json=user)

    def _delete_user(self, request: Recorded, uuid: str) -> httpx.Response:
        if self.users.pop(uuid, None) is None:
            return _error(404, "not_found", "user not found")
        for thread in [t for t, v in self.threads.items() if v["user_uuid"] == uuid]:
            del self.threads[thread]
            self.messages.pop(thread, None)
        for store in (self.episodes, self.nodes, self.edges):
            store.pop(uuid, None)
        return httpx.Response(200, json={"uuid": uuid, "deleted": True})

    def _user_node(self, request: Recorded, uuid: str) -> httpx.Response:
        if uuid not in self.users:
            return _error(404, "not_found", "user not found")
        node = {
            "uuid": f"n-{uuid}",
            "name": self.users[uuid]["user_id"],
            "labels": ["Entity", "User"],
            "summary": "Alice lives in Berlin and likes tea.",
        }
        return httpx.Response(200, json=node)

    # -- threads and messages ----------------------------------------------------------

    def _create_thread(self, request: Recorded) -> httpx.Response:
        user = (request.body or {}).get("user_uuid")
        if user not in self.users:
            return _error(404, "not_found", "user not found")
        stamp = self._stamp()
        thread = {
            "uuid": self._id("th-uuid"),
            "user_uuid": user,
            "graph_uuid": user,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.threads[thread["uuid"]] = thread
        self.messages[thread["uuid"]] = []
        return httpx.Response(201, json=thread)

    def _add_messages(self, request: Recorded, thread: str) -> httpx.Response:
        if thread not in self.threads:
            return _error(404, "not_found", "thread not found")
        added = []
        for message in (request.body or {})["messages"]:
            stored = {
                "uuid": self._id("m-uuid"),
                "created_at": self._stamp(),
                "processed": False,
                "metadata": {},
                **message,
            }
            self.messages[thread].append(stored)
            added.append(stored)
            # Zep keeps each thread message as a message episode of the user's graph.
            user = self.threads[thread]["user_uuid"]
            self.episodes.setdefault(user, []).append(
                {
                    "uuid": self._id("ep-uuid"),
                    "content": stored["content"],
                    "metadata": stored["metadata"],
                    "role": stored.get("name") or stored["role"],
                    "role_type": stored["role"],
                    "source": "message",
                    "thread_uuid": thread,
                    "created_at": stored["created_at"],
                }
            )
        task = {
            "uuid": self._id("t"),
            "status": "pending",
            "type": "add_messages",
            "created_at": self._stamp(),
        }
        answer: Json = {"messages": added, "task": task}
        if (request.body or {}).get("return_context"):
            answer["context"] = "CTX"
        return httpx.Response(202, json=answer)

    def _list_messages(self, request: Recorded, thread: str) -> httpx.Response:
        if thread not in self.threads:
            return _error(404, "not_found", "thread not found")
        items = list(self.messages[thread])
        if request.params.get("order") == "desc":
            items.reverse()
        return self._page(items, request.params)

    def _thread_context(self, request: Recorded, thread: str) -> httpx.Response:
        if thread not in self.threads:
            return _error(404, "not_found", "thread not found")
        return httpx.Response(200, json={"context": "FACTS: Alice lives in Berlin."})

    def _page(self, items: list[Json], params: dict[str, str]) -> httpx.Response:
        start = 0
        if "cursor" in params:
            start = int(json.loads(base64.urlsafe_b64decode(params["cursor"]))["offset"])
        size = int(params.get("page_size", "50"))
        chosen = items[start : start + size]
        answer: Json = {"items": chosen}
        if start + size < len(items):
            raw = json.dumps({"offset": start + size}).encode()
            answer["next_cursor"] = base64.urlsafe_b64encode(raw).decode()
        return httpx.Response(200, json=answer)

    # -- graph -------------------------------------------------------------------------

    def _add_episode(self, request: Recorded, graph: str) -> httpx.Response:
        if graph not in self.users:
            return _error(404, "not_found", "graph not found")
        episode = {
            "uuid": self._id("ep-uuid"),
            "created_at": self._stamp(),
            "processed": False,
            **(request.body or {}),
        }
        self.episodes.setdefault(graph, []).append(episode)
        task = {"uuid": self._id("t"), "status": "pending", "type": "add_episode"}
        return httpx.Response(202, json={"episode": episode, "task": task})

    def _filtered(self, graph: str, body: Json) -> list[Json] | httpx.Response:
        edges = list(self.edges.get(graph, []))
        for group in ((body.get("filters") or {}).get("date_filters") or {}).get("any_of", []):
            for condition in group["all_of"]:
                if condition.get("operator") not in ("is_null", "is_not_null"):
                    return _error(400, "unsupported_filter", "unsupported filter")
                present = condition["operator"] == "is_not_null"
                edges = [e for e in edges if (e.get(condition["field"]) is not None) == present]
        return edges

    def _with_node_names(self, graph: str, edge: Json) -> Json:
        nodes = {node["uuid"]: node for node in self.nodes.get(graph, [])}
        out = dict(edge)
        for end in ("source", "target"):
            node = nodes.get(edge[f"{end}_node_uuid"])
            if node is not None:
                out[f"{end}_node_name"] = node["name"]
                out[f"{end}_node_labels"] = node["labels"]
        return out

    def _search_edges(self, request: Recorded, graph: str) -> httpx.Response:
        if graph not in self.users:
            return _error(404, "not_found", "graph not found")
        body = request.body or {}
        edges = self._filtered(graph, body)
        if isinstance(edges, httpx.Response):
            return edges
        words = set(re.findall(r"\w+", body["query"].lower()))
        scored = []
        for edge in edges:
            text = set(
                re.findall(r"\w+", f"{edge['fact']} {edge['name'].replace('_', ' ')}".lower())
            )
            if overlap := len(words & text):
                scored.append((overlap / len(words), edge))
        scored.sort(key=lambda pair: -pair[0])
        size = int(request.params.get("page_size", "50"))
        items = [
            {
                **self._with_node_names(graph, edge),
                "score": round(score, 4),
                "relevance": round(score, 4),
            }
            for score, edge in scored[:size]
        ]
        return httpx.Response(200, json={"items": items})

    def _search_episodes(self, request: Recorded, graph: str) -> httpx.Response:
        if graph not in self.users:
            return _error(404, "not_found", "graph not found")
        words = set(re.findall(r"\w+", (request.body or {})["query"].lower()))
        scored = []
        for episode in self.episodes.get(graph, []):
            text = set(re.findall(r"\w+", str(episode.get("content", episode.get("data"))).lower()))
            if overlap := len(words & text):
                scored.append((overlap / len(words), episode))
        scored.sort(key=lambda pair: -pair[0])
        size = int(request.params.get("page_size", "50"))
        items = [{**episode, "score": round(score, 4)} for score, episode in scored[:size]]
        return httpx.Response(200, json={"items": items})

    def _list_edges(self, request: Recorded, graph: str) -> httpx.Response:
        if graph not in self.users:
            return _error(404, "not_found", "graph not found")
        edges = self._filtered(graph, request.body or {})
        if isinstance(edges, httpx.Response):
            return edges
        return self._page([self._with_node_names(graph, e) for e in edges], request.params)

    def _list_nodes(self, request: Recorded, graph: str) -> httpx.Response:
        if graph not in self.users:
            return _error(404, "not_found", "graph not found")
        return self._page(self.nodes.get(graph, []), request.params)

    def _get_node(self, request: Recorded, graph: str, node: str) -> httpx.Response:
        for candidate in self.nodes.get(graph, []):
            if candidate["uuid"] == node:
                return httpx.Response(200, json=candidate)
        return _error(404, "not_found", "node not found")
