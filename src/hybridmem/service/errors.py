"""The one place where errors become HTTP responses.

Body shape (stable): ``{"error": {"code": str, "message": str, "details": ...}}``.
Under ``/v1/`` (the OpenAI-compatible routes) the same body also carries OpenAI's
``type`` and ``param``, and invalid input is 400, as OpenAI's clients expect.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from hybridmem.domain.errors import (
    Conflict,
    ContextTooLong,
    Forbidden,
    HybridMemError,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
)

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str
    message: str
    details: Any | None = None


class ErrorBody(BaseModel):
    """Every error response has this body."""

    error: ErrorDetail


_STATUS: list[tuple[type[HybridMemError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (RateLimited, 429),
    (ContextTooLong, 422),
    (UpstreamRateLimited, 503),
    (UpstreamUnavailable, 503),
    (UpstreamError, 502),
]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def status_for(error: HybridMemError) -> int:
    """HTTP status of a domain error (most specific class first)."""
    for error_type, status in _STATUS:
        if isinstance(error, error_type):
            return status
    return 500


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build the stable error response."""
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The stable error body, the same on every path that answers an error."""
    return {"error": {"code": code, "message": message, "details": details}}


#: Routes under this prefix speak OpenAI's API (routers/openai_chat.py).
OPENAI_PREFIX = "/v1/"


def _openai_type(status: int) -> str:
    if status == 401:
        return "authentication_error"
    if status == 403:
        return "permission_error"
    if status == 429:
        return "rate_limit_error"
    return "server_error" if status >= 500 else "invalid_request_error"


def openai_status(status: int) -> int:
    """The status an OpenAI-compatible route answers: invalid input is 400 there."""
    return 400 if status == 422 else status


def openai_error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The stable error body plus OpenAI's ``type`` and ``param`` (the field at fault)."""
    param = None
    if isinstance(details, dict):
        fields = details.get("fields") or []
        if fields:
            first = fields[0]
            # OpenAI's clients show the message alone: name the first field at fault in it
            param = ".".join(part for part in first["loc"] if part != "body")
            message = f"{message}: {param}: {first['message']}"
        elif isinstance(details.get("field"), str):
            param = details["field"]
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "type": _openai_type(status),
        "param": param,
    }
    body["details"] = details
    return {"error": body}


def openai_error_of(error: HybridMemError) -> dict[str, Any]:
    """The OpenAI-compatible error body of a domain error (for a failure mid-stream)."""
    return openai_error_body(openai_status(status_for(error)), error.code, error.message)


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    if not request.scope.get("path", "").startswith(OPENAI_PREFIX):
        return error_response(status, code, message, details, headers)
    status = openai_status(status)
    body = openai_error_body(status, code, message, details)
    return JSONResponse(body, status_code=status, headers=headers)


def _retry_after(seconds: float | None) -> dict[str, str]:
    if seconds is None:
        return {}
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HybridMemError)
    status = status_for(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited | UpstreamRateLimited):
        headers = _retry_after(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, UpstreamError):
        log.warning("upstream failure: %s (%s)", exc.code, exc.upstream)
    return _respond(request, status, exc.code, exc.message, exc.details, headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for error in exc.errors():
        fields.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "message": str(error.get("msg", "invalid value")),
                "type": str(error.get("type", "value_error")),
            }
        )
    return fields


def _accepts(request: Request, content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return True
    # a route that declares other body types (the login's OAuth2 form) accepts those
    route = request.scope.get("route")
    declared = (getattr(route, "openapi_extra", None) or {}).get("requestBody", {})
    return media in declared.get("content", {})


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type")
    if content_type and not _accepts(request, content_type):
        body_errors = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] == ("body",)]
        if body_errors:
            # curl -d sends a form content type by default: FastAPI then reads the JSON
            # text as a string and the client would learn "Input should be a valid
            # dictionary" instead of what to change
            return _respond(
                request,
                415,
                "unsupported_media_type",
                "send the body as JSON with the header Content-Type: application/json",
                {"content_type": content_type[:100]},
            )
    return _respond(
        request,
        422,
        "validation_error",
        "request validation failed",
        {"fields": _field_errors(exc)},
    )


def _allowed_methods(request: Request) -> str:
    # One path may be served by several routes (GET and PATCH /api/users/me); Starlette
    # only names the methods of the first, so collect them from every matching route.
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        route_methods = getattr(route, "methods", None)
        if match is not Match.NONE and route_methods:
            methods |= set(route_methods)
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return _respond(request, exc.status_code, code, message, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    # The id the middleware vetted and the log carries, never the raw header (which could
    # hold anything a client likes). This response is sent by Starlette's outermost
    # middleware, past ours, so the X-Request-ID header is set here too.
    request_id = getattr(request.state, "request_id", None)
    return error_response(
        500,
        "internal_error",
        "internal error",
        {"request_id": request_id},
        headers={"X-Request-ID": request_id} if request_id else None,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping on the app."""
    app.add_exception_handler(HybridMemError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def declared(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries declaring the error body for each status."""
    descriptions = {
        400: "Malformed request (e.g. a body that is not valid JSON text)",
        401: "Missing, invalid, expired or revoked token",
        403: "Not allowed for this user",
        404: "Not found (or not yours)",
        409: "Conflicts with existing data",
        413: "Request body too large",
        415: "Unsupported content type",
        422: "Invalid input",
        429: "Too many requests; see Retry-After",
        500: "Internal error",
        502: "An upstream service failed",
        503: "A dependency is unavailable",
    }
    # 400 can answer any request whose body or encoding cannot be read at all.
    return {
        status: {"model": ErrorBody, "description": descriptions.get(status, "Error")}
        for status in sorted({400, *statuses})
    }
