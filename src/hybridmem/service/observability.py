"""Request ids, access logs, Prometheus metrics and the body size limit.

One pure ASGI middleware (not ``BaseHTTPMiddleware``) so streaming responses pass
through untouched.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hybridmem.service.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("hybridmem.access")


class Metrics:
    """The service's Prometheus metrics, in a registry of their own per app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hybridmem_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hybridmem_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.in_flight = Gauge(
            "hybridmem_http_requests_in_flight", "Requests being served", registry=self.registry
        )
        self.events = Counter(
            "hybridmem_events_total",
            "Notable internal events (login failures, purges, extraction errors…)",
            ["event"],
            registry=self.registry,
        )


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Request id, body limit, metrics and one access log line per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        max_body_bytes: int,
        path_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        # exact paths with their own body limit (the import of a whole export document)
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value for key, value in scope["headers"]}
        incoming = headers.get("x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "started": False, "rejected": False}
        limit = self.path_limits.get(scope.get("path", ""), self.max_body_bytes)

        async def send_with_id(message: Message) -> None:
            if state["rejected"]:
                return  # a 413 was sent already; whatever the app answers is dropped
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                state["started"] = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            # Bodies without Content-Length are counted as they arrive; past the limit
            # the client gets 413 and the app sees a disconnect.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not state["started"]:
                    await self._too_large(send_with_id, limit)
                    state["rejected"] = True
                    return {"type": "http.disconnect"}
            return message

        self.metrics.in_flight.inc()
        try:
            declared_length = headers.get("content-length")
            if declared_length is not None and (
                not declared_length.isdigit() or int(declared_length) > limit
            ):
                await self._too_large(send_with_id, limit)
                return
            try:
                await self.app(scope, limited_receive, send_with_id)
            except Exception:
                if not state["rejected"]:
                    raise
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "GET")
            self.metrics.requests.labels(method, route, str(state["status"])).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            access_log.info(
                "%s %s %s %.1fms",
                method,
                route,
                state["status"],
                elapsed * 1000,
                extra={"status": state["status"], "duration_ms": round(elapsed * 1000, 2)},
            )
            request_id_var.reset(token)

    async def _too_large(self, send: Send, limit: int) -> None:
        body = json.dumps(
            error_body(
                "payload_too_large",
                f"request body exceeds {limit} bytes",
                {"max_bytes": limit},
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; only the message and whitelisted fields are emitted."""

    _EXTRA = ("request_id", "status", "duration_ms", "pgdata", "job", "event")

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in self._EXTRA:
            value = getattr(record, key, None)
            if value is not None:
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


def configure_logging(level: str, *, json_lines: bool) -> None:
    """Set up the root logger once: plain text or JSON lines on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RequestIdFilter())
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hybridmem", False):
            root.removeHandler(existing)
    handler._hybridmem = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that would log request details (URLs with tokens, bodies) stay quiet.
    # The MCP SDK logs every request and the text of refused tool calls at INFO.
    for noisy in ("httpx", "httpcore", "psycopg.pool", "uvicorn.access", "mcp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
