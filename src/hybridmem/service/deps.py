"""FastAPI dependencies as ``Annotated`` aliases, resolved from the app's container."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from hybridmem.application.accounts import INVALID_TOKEN, AccountService, Principal
from hybridmem.application.chat import ChatService
from hybridmem.application.consolidation import ConsolidationService
from hybridmem.application.memory import MemoryService
from hybridmem.application.sessions import SessionService
from hybridmem.domain.errors import Unauthenticated
from hybridmem.service.container import Container, resolve

# auto_error=False: a missing token goes through our error mapping (stable body).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def client_address(request: Request) -> str | None:
    """The client's address for login limits: the socket peer, or the address a trusted
    proxy forwarded (uvicorn applies ``HYBRIDMEM_FORWARDED_ALLOW_IPS`` before this)."""
    return request.client.host if request.client else None


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


async def _consolidation(request: Request) -> ConsolidationService:
    service: ConsolidationService = await resolve(container_of(request).consolidation())
    return service


async def _chat(request: Request) -> ChatService:
    service: ChatService = await resolve(container_of(request).chat())
    return service


Accounts = Annotated[AccountService, Depends(_accounts)]
Chat = Annotated[ChatService, Depends(_chat)]
Memory = Annotated[MemoryService, Depends(_memory)]
Consolidation = Annotated[ConsolidationService, Depends(_consolidation)]
Sessions = Annotated[SessionService, Depends(_sessions)]


async def _principal(
    request: Request,
    accounts: Accounts,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        # the same error as every other token failure (see AccountService.authenticate)
        raise Unauthenticated(INVALID_TOKEN)
    principal = await accounts.authenticate(token)
    request.state.user_id = principal.user_id
    return principal


CurrentUser = Annotated[Principal, Depends(_principal)]
