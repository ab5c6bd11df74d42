"""API keys of the signed-in user: create (the secret shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.service.deps import ApiKeys, CurrentUser
from hybridmem.service.errors import declared
from hybridmem.service.schemas.api_keys import (
    ApiKeyList,
    ApiKeyOut,
    ApiKeyRequest,
    CreatedApiKeyOut,
)

router = APIRouter(prefix="/api/keys", tags=["api keys"])

KeyId = Annotated[str, Path(pattern=ID_PATTERN.pattern, max_length=128)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CreatedApiKeyOut,
    responses=declared(401, 403, 409, 413, 422, 503),
)
async def create_key(
    body: ApiKeyRequest, principal: CurrentUser, keys: ApiKeys
) -> CreatedApiKeyOut:
    """Create a key for programs. The response holds the secret (``key``) this once;
    only its hash is stored. Needs a signed-in session: an API key cannot make keys
    (403, ``details.rule`` session_required). At most 50 keys per account (409)."""
    created = await keys.create(principal, name=body.name, read_only=body.read_only)
    return CreatedApiKeyOut.of_created(created)


@router.get("", response_model=ApiKeyList, responses=declared(401, 503))
async def list_keys(principal: CurrentUser, keys: ApiKeys) -> ApiKeyList:
    """The caller's keys, oldest first: id, name, prefix, read_only, created and last used."""
    return ApiKeyList(items=[ApiKeyOut.of(key) for key in await keys.list(principal)])


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=declared(401, 403, 404, 422, 503),
)
async def revoke_key(key_id: KeyId, principal: CurrentUser, keys: ApiKeys) -> Response:
    """Revoke a key: refused from the next request on. Another user's key, or an unknown
    one, is 404. Needs a signed-in session (403 with an API key)."""
    await keys.revoke(principal, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
