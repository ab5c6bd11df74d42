"""Export and import of the caller's memory (data portability)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hybridmem.domain.portability import FORMAT, SCHEMA_VERSION, SECTIONS
from hybridmem.service.deps import CurrentUser, Portability
from hybridmem.service.errors import declared
from hybridmem.service.schemas.portability import ImportReportOut

router = APIRouter(prefix="/api/users", tags=["users"])

#: The path whose body limit is HYBRIDMEM_MAX_IMPORT_BYTES (app.py tells the middleware).
IMPORT_PATH = "/api/users/me/import"

_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "description": f"An export document ({FORMAT}, schema_version {SCHEMA_VERSION}); "
    "see docs/export-format.md",
    "required": ["format", "schema_version", "exported_at", "profile", *SECTIONS],
    "properties": {
        "format": {"type": "string", "enum": [FORMAT]},
        "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
        "exported_at": {"type": "string", "format": "date-time"},
        "profile": {"type": "object"},
        **{name: {"type": "array", "items": {"type": "object"}} for name in SECTIONS},
    },
}


@router.get(
    "/me/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export document, streamed",
            "content": {"application/json": {"schema": _DOCUMENT}},
        },
        **declared(401, 503),
    },
)
async def export_me(principal: CurrentUser, portability: Portability) -> StreamingResponse:
    """Everything stored for the caller as one JSON document (profile without password
    hash, sessions, messages, facts with their history, graph), streamed from one
    consistent snapshot. A read-only API key may export."""
    chunks = await portability.export(principal.user_id)
    return StreamingResponse(
        chunks,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="hybridmem-export.json"',
            "Cache-Control": "no-store",
        },
    )


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "application/json").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


@router.post(
    "/me/import",
    response_model=ImportReportOut,
    responses=declared(401, 403, 404, 413, 415, 422, 503),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _DOCUMENT}}}
    },
)
async def import_me(
    request: Request, principal: CurrentUser, portability: Portability
) -> ImportReportOut:
    """Apply an export document to the caller's account in one transaction: ids are kept
    (the owner's becomes the caller's), records the account has already are left as
    they are, so importing the same document twice changes nothing. A document of
    another existing account is refused (403 ``foreign_account``), as is a read-only
    API key (403). The body limit is HYBRIDMEM_MAX_IMPORT_BYTES (413 past it)."""
    if not _is_json(request.headers.get("content-type")):
        raise StarletteHTTPException(415, "send the document as application/json")
    # the middleware counts the body against the import limit while it arrives
    body = await request.body()
    report = await portability.import_document(principal.user_id, body)
    return ImportReportOut.of(report)
