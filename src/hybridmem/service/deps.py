"""FastAPI dependencies as ``Annotated`` aliases, resolved from the app's container."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from hybridmem.application.accounts import AccountService, Principal
from hybridmem.application.chat import ChatService
from hybridmem.application.consolidation import ConsolidationService
from hybridmem.application.memory import MemoryService
from hybridmem.application.recall import RecallService
from hybridmem.application.sessions import SessionService
from hybridmem.domain.errors import Unauthenticated
from hybridmem.service.container import Container, resolve

# auto_error=False: a missing token goes through our error mapping (stable body).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def container_of(request: Request) -> Container:
    """The container of the app serving this request."""
    container: Container = request.app.state.container
    return container


async def _accounts(request: Request) -> AccountService:
    service: AccountService = await resolve(container_of(request).accounts())
    return service


async def _sessions(request: Request) -> SessionService:
    service: SessionService = await resolve(container_of(request).session_service())
    return service


async def _memory(request: Request) -> MemoryService:
    service: MemoryService = await resolve(container_of(request).memory())
    return service


async def _recall(request: Request) -> RecallService:
    service: RecallService = await resolve(container_of(request).recall())
    return service


async def _consolidation(request: Request) -> ConsolidationService:
    service: ConsolidationService = await resolve(container_of(request).consolidation())
    return service


async def _chat(request: Request) -> ChatService:
    service: ChatService = await resolve(container_of(request).chat())
    return service


Accounts = Annotated[AccountService, Depends(_accounts)]
Chat = Annotated[ChatService, Depends(_chat)]
Memory = Annotated[MemoryService, Depends(_memory)]
Recall = Annotated[RecallService, Depends(_recall)]
Consolidation = Annotated[ConsolidationService, Depends(_consolidation)]
Sessions = Annotated[SessionService, Depends(_sessions)]


async def _principal(
    request: Request,
    accounts: Accounts,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        raise Unauthenticated("missing bearer token")
    principal = await accounts.authenticate(token)
    request.state.user_id = principal.user_id
    return principal


CurrentUser = Annotated[Principal, Depends(_principal)]


async def acting_for(principal: Principal, user_id: str | None, accounts: AccountService) -> str:
    """The user a request acts on (see ``Principal.require_same_user``). An admin naming
    a user who does not exist gets NotFound (404) here, before any write could fail on
    the missing user's foreign keys or a read could answer for nobody."""
    owner = principal.require_same_user(user_id)
    if owner != principal.user_id:
        await accounts.profile(owner)
    return owner
