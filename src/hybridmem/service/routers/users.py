"""The caller's profile, and the admin's user list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hybridmem.service.deps import Accounts, CurrentUser
from hybridmem.service.errors import declared
from hybridmem.service.routers.common import DEFAULT_PAGE_SIZE, Cursor, Limit
from hybridmem.service.routers.sessions import list_sessions
from hybridmem.service.schemas.accounts import UserOut, UserPatch
from hybridmem.service.schemas.base import Page
from hybridmem.service.schemas.fields import QueryText
from hybridmem.service.schemas.sessions import SessionOut

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("/me", response_model=UserOut, responses=declared(401, 503))
async def read_me(principal: CurrentUser, accounts: Accounts) -> UserOut:
    """The caller's profile."""
    return UserOut.of(await accounts.profile(principal.user_id))


@router.patch("/me", response_model=UserOut, responses=declared(401, 403, 409, 413, 422, 503))
async def update_me(body: UserPatch, principal: CurrentUser, accounts: Accounts) -> UserOut:
    """Change profile fields. Metadata is merged; a key set to null is removed."""
    user = await accounts.update_profile(
        principal.user_id,
        email=str(body.email) if body.email is not None else None,
        first_name=body.first_name,
        last_name=body.last_name,
        about=body.about,
        metadata=body.metadata,
    )
    return UserOut.of(user)


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=declared(401, 403, 503),
)
async def delete_me(principal: CurrentUser, accounts: Accounts) -> Response:
    """Delete the account and everything stored for the user (right to be forgotten).
    Needs a signed-in session: an API key cannot delete the account (403)."""
    principal.require_session("deleting the account")
    await accounts.delete_account(principal.user_id, account_id=principal.account.account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# The same listing as GET /api/sessions, under the user it belongs to: one handler, two paths.
router.add_api_route(
    "/me/sessions",
    list_sessions,
    methods=["GET"],
    name="my_sessions",
    response_model=Page[SessionOut],
    responses=declared(401, 422, 503),
)


@router.get("", response_model=Page[UserOut], responses=declared(401, 403, 422, 503))
async def list_users(
    principal: CurrentUser,
    accounts: Accounts,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
    metadata_key: Annotated[QueryText | None, Query(min_length=1, max_length=256)] = None,
    metadata_value: Annotated[QueryText | None, Query(max_length=1024)] = None,
) -> Page[UserOut]:
    """All users (admins only), optionally those whose metadata has key = value."""
    metadata_filter = (metadata_key, metadata_value or "") if metadata_key is not None else None
    page = await accounts.list_users(
        principal, limit=limit, cursor=cursor, metadata_filter=metadata_filter
    )
    return Page[UserOut].of(page)
