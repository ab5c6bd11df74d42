"""Chat sessions: start, list, read, change metadata, soft delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.service.deps import Accounts, CurrentUser, Sessions, acting_for
from hybridmem.service.errors import declared
from hybridmem.service.routers.common import DEFAULT_PAGE_SIZE, Cursor, Limit
from hybridmem.service.schemas.base import Page
from hybridmem.service.schemas.sessions import SessionOut, SessionPatch, SessionStartRequest

router = APIRouter(prefix="/api", tags=["sessions"])

SessionId = Annotated[str, Path(pattern=ID_PATTERN.pattern, max_length=128)]


@router.post(
    "/session/start",
    response_model=SessionOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": SessionOut, "description": "The session already existed"},
        **declared(401, 403, 404, 413, 422, 503),
    },
)
async def start_session(
    body: SessionStartRequest,
    principal: CurrentUser,
    sessions: Sessions,
    accounts: Accounts,
    response: Response,
) -> SessionOut:
    """Create a session (201), or return the existing one with that id (200).

    Metadata given for an existing session is merged into it. Starting a soft-deleted
    session restores it (its deleted messages stay deleted).
    """
    user_id = await acting_for(principal, body.user_id, accounts)
    session, created = await sessions.start(user_id, body.session_id, body.metadata)
    if not created:
        response.status_code = status.HTTP_200_OK
    return SessionOut.of(session)


@router.get("/sessions", response_model=Page[SessionOut], responses=declared(401, 422, 503))
async def list_sessions(
    principal: CurrentUser,
    sessions: Sessions,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> Page[SessionOut]:
    """The caller's live sessions, oldest first."""
    page = await sessions.list(principal.user_id, limit=limit, cursor=cursor)
    return Page[SessionOut].of(page)


@router.get(
    "/sessions/{session_id}", response_model=SessionOut, responses=declared(401, 404, 422, 503)
)
async def get_session(
    session_id: SessionId, principal: CurrentUser, sessions: Sessions
) -> SessionOut:
    """One of the caller's sessions; another user's session is 404."""
    return SessionOut.of(await sessions.get(principal.user_id, session_id))


@router.patch(
    "/sessions/{session_id}",
    response_model=SessionOut,
    responses=declared(401, 403, 404, 413, 422, 503),
)
async def update_session(
    session_id: SessionId, body: SessionPatch, principal: CurrentUser, sessions: Sessions
) -> SessionOut:
    """Merge metadata into the session; a key set to null is removed."""
    return SessionOut.of(
        await sessions.update_metadata(principal.user_id, session_id, body.metadata)
    )


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=declared(401, 403, 404, 422, 503),
)
async def delete_session(
    session_id: SessionId, principal: CurrentUser, sessions: Sessions
) -> Response:
    """Soft-delete: hidden at once, purged after the retention period."""
    await sessions.delete(principal.user_id, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
