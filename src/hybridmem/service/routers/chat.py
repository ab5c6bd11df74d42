"""POST /api/chat: one turn, as JSON or as server-sent events."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from hybridmem.application.chat import ChatDone, ChatReply
from hybridmem.domain.errors import HybridMemError
from hybridmem.service.deps import Accounts, Chat, CurrentUser, acting_for
from hybridmem.service.errors import declared, error_body, status_for
from hybridmem.service.schemas.chat import ChatOut, ChatRequest

router = APIRouter(prefix="/api", tags=["chat"])
log = logging.getLogger(__name__)


def server_timing(reply: ChatReply) -> str:
    """The Server-Timing header of a turn."""
    return (
        f"memory;dur={reply.memory_ms:.1f}, model;dur={reply.model_ms:.1f}, "
        f"total;dur={reply.total_ms:.1f}"
    )


def _sse(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n".encode()


@router.post(
    "/chat",
    response_model=ChatOut,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    # each server-sent event: its name and its JSON data
                    "schema": {
                        "type": "object",
                        "required": ["event", "data"],
                        "properties": {
                            "event": {"type": "string", "enum": ["delta", "done", "error"]},
                            "data": {"type": "string", "contentMediaType": "application/json"},
                        },
                    }
                }
            },
            "description": "The reply (JSON), or with stream=true server-sent events: "
            "`delta` events {text}, then one `done` event with the JSON body, or an `error` "
            "event with the error body.",
        },
        **declared(401, 403, 404, 413, 422, 429, 503),
    },
)
async def chat(
    body: ChatRequest, request: Request, principal: CurrentUser, chat: Chat, accounts: Accounts
) -> Response:
    """Answer a message with memory. The message and the reply are stored before the
    response completes; memory extraction follows in the background."""
    user_id = await acting_for(principal, body.user_id, accounts)
    name = principal.account.display_name
    wants_stream = body.stream or "text/event-stream" in request.headers.get("accept", "")
    if not wants_stream:
        reply = await chat.turn(
            user_id, body.session_id, body.message, message_id=body.message_id, name=name
        )
        return JSONResponse(
            ChatOut.of(reply).model_dump(mode="json"),
            headers={"Server-Timing": server_timing(reply)},
        )
    events = await chat.stream(
        user_id, body.session_id, body.message, message_id=body.message_id, name=name
    )

    async def body_stream() -> AsyncIterator[bytes]:
        try:
            async for event in events:
                if isinstance(event, ChatDone):
                    yield _sse("done", ChatOut.of(event.reply).model_dump(mode="json"))
                else:
                    yield _sse("delta", {"text": event.text})
        except HybridMemError as exc:
            log.warning("chat stream failed: %s", exc.code)
            body = error_body(exc.code, exc.message, exc.details)
            body["error"]["status"] = status_for(exc)  # the status the response had no time for
            yield _sse("error", body)

    return StreamingResponse(
        body_stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
