"""OpenAI-compatible chat with memory: POST /v1/chat/completions and GET /v1/models.

A client that speaks OpenAI's API gains memory by pointing its base URL at ``/v1``: the
bearer token (or key) names the user, the ``X-Hybridmem-Session`` header or
``metadata.session_id`` the session, and each turn is ChatService's (record the new user
message, recall, ask the model, record the reply, extract in the background).
See docs/integrations.md.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import JSONResponse, StreamingResponse

from hybridmem.domain.accounts import ID_PATTERN, validate_id
from hybridmem.domain.conversations import split_conversation
from hybridmem.domain.errors import NotFound
from hybridmem.service.deps import AppServices, Chat, CurrentUser
from hybridmem.service.errors import ErrorBody, ErrorDetail, declared, openai_error_of
from hybridmem.service.openai_wire import (
    STREAM_DESCRIPTION,
    ChatCompletionOut,
    ChatCompletionRequest,
    ModelListOut,
    ModelOut,
    client_conversation,
    completion_body,
    completion_chunks,
)
from hybridmem.service.routers.chat import server_timing

router = APIRouter(prefix="/v1", tags=["openai"])

SESSION_HEADER = "X-Hybridmem-Session"
#: The session of a request that names none.
DEFAULT_SESSION = "openai"
# Models report when they were made; ours is configured, so the service's start will do.
_STARTED = int(time.time())

SessionHeader = Annotated[
    str | None,
    Header(
        alias=SESSION_HEADER,
        pattern=ID_PATTERN.pattern,
        max_length=128,
        description=f"The session of this turn (else metadata.session_id, else "
        f"{DEFAULT_SESSION!r})",
    ),
]


class OpenAIErrorDetail(ErrorDetail):
    """The stable error detail plus OpenAI's fields."""

    type: str
    param: str | None = None


class OpenAIErrorBody(ErrorBody):
    """Every /v1 error has this body."""

    error: OpenAIErrorDetail


def _declared(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses = {
        status: {**entry, "model": OpenAIErrorBody} for status, entry in declared(*statuses).items()
    }
    # invalid input is 400 here: declaring 4XX keeps FastAPI from declaring its 422
    responses["4XX"] = {"model": OpenAIErrorBody, "description": "Another client error"}
    return responses


@router.post(
    "/chat/completions",
    response_model=ChatCompletionOut,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": STREAM_DESCRIPTION,
        },
        **_declared(401, 403, 404, 413, 429, 502, 503),
    },
)
async def create_chat_completion(
    body: ChatCompletionRequest,
    principal: CurrentUser,
    chat: Chat,
    services: AppServices,
    session: SessionHeader = None,
) -> Response:
    """Answer the conversation's last user message with memory (OpenAI's chat
    completions). Only that message and the reply are recorded, once however often the
    conversation is sent; earlier messages are the prompt's history and system messages
    its instructions. Any ``model`` is accepted; the configured model answers and is
    named in the response."""
    session_id = validate_id(
        session or (body.metadata or {}).get("session_id") or DEFAULT_SESSION,
        kind="session_id",
    )
    turn = split_conversation(session_id, body.utterances())
    client = client_conversation(turn)
    model = services.model.info.name
    user_id, name = principal.user_id, principal.account.display_name
    headers = {SESSION_HEADER: session_id}
    if not body.stream:
        reply = await chat.turn(
            user_id, session_id, turn.message, message_id=turn.message_id, name=name, client=client
        )
        return JSONResponse(
            completion_body(reply, model).model_dump(mode="json"),
            headers={**headers, "Server-Timing": server_timing(reply)},
        )
    # storing the message and recall happen here, so their errors are plain responses
    events = await chat.stream(
        user_id, session_id, turn.message, message_id=turn.message_id, name=name, client=client
    )
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    return StreamingResponse(
        completion_chunks(
            events, model=model, include_usage=include_usage, error_body=openai_error_of
        ),
        media_type="text/event-stream",
        headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _our_model(services: AppServices) -> ModelOut:
    return ModelOut(id=services.model.info.name, created=_STARTED)


@router.get("/models", response_model=ModelListOut, responses=_declared(401))
async def list_models(principal: CurrentUser, services: AppServices) -> ModelListOut:
    """The model that answers chat completions (the configured one)."""
    return ModelListOut(data=[_our_model(services)])


@router.get("/models/{model_id:path}", response_model=ModelOut, responses=_declared(401, 404))
async def retrieve_model(
    model_id: Annotated[str, Path(max_length=256)],
    principal: CurrentUser,
    services: AppServices,
) -> ModelOut:
    """The configured model, by its id."""
    model = _our_model(services)
    if model_id != model.id:
        raise NotFound(f"model {model_id[:80]!r} is not served here; it serves {model.id!r}")
    return model
