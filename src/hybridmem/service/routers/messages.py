"""Single messages by id: where a fact came from (the ids in its ``provenance``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.service.deps import CurrentUser, Views
from hybridmem.service.errors import declared
from hybridmem.service.schemas.messages import MessageOut

router = APIRouter(prefix="/api/messages", tags=["memory"])

MessageId = Annotated[str, Path(pattern=ID_PATTERN.pattern, max_length=128)]


@router.get("/{message_id}", response_model=MessageOut, responses=declared(401, 404, 422, 503))
async def get_message(message_id: MessageId, principal: CurrentUser, views: Views) -> MessageOut:
    """One of the caller's messages, with its session; another user's message, a deleted
    one or one of a deleted session is 404."""
    # The system of record answers (PostgreSQL), whichever provider mirrors the history.
    return MessageOut.of(await views.message(principal.user_id, message_id))
