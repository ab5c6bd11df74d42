"""FastAPI dependencies as ``Annotated`` aliases over the app's services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer

from hybridmem.application.accounts import INVALID_TOKEN, AccountService, Principal
from hybridmem.application.api_keys import ApiKeyService
from hybridmem.application.chat import ChatService
from hybridmem.application.consolidation import ConsolidationService
from hybridmem.application.fact_editing import FactEditor
from hybridmem.application.portability import PortabilityService
from hybridmem.application.recall import RecallService
from hybridmem.application.recording import MessageRecorder
from hybridmem.application.sessions import SessionService
from hybridmem.application.views import MemoryViews
from hybridmem.domain.errors import Unauthenticated
from hybridmem.service.services import Services

# auto_error=False: a missing token goes through our error mapping (stable body).
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def services_of(request: Request) -> Services:
    """The services of the app serving this request (built when it started)."""
    services: Services = request.app.state.services
    return services


def client_address(request: Request) -> str | None:
    """The client's address for login limits: the socket peer, or the address a trusted
    proxy forwarded (uvicorn applies ``HYBRIDMEM_FORWARDED_ALLOW_IPS`` before this)."""
    return request.client.host if request.client else None


def _accounts(request: Request) -> AccountService:
    return services_of(request).accounts


def _sessions(request: Request) -> SessionService:
    return services_of(request).sessions


def _recorder(request: Request) -> MessageRecorder:
    return services_of(request).recorder


def _views(request: Request) -> MemoryViews:
    return services_of(request).views


def _recall(request: Request) -> RecallService:
    return services_of(request).recall


def _facts(request: Request) -> FactEditor:
    return services_of(request).facts


def _consolidation(request: Request) -> ConsolidationService:
    return services_of(request).consolidation


def _chat(request: Request) -> ChatService:
    return services_of(request).chat


def _api_keys(request: Request) -> ApiKeyService:
    return services_of(request).api_keys


def _portability(request: Request) -> PortabilityService:
    return services_of(request).portability


AppServices = Annotated[Services, Depends(services_of)]
Accounts = Annotated[AccountService, Depends(_accounts)]
Sessions = Annotated[SessionService, Depends(_sessions)]
Recorder = Annotated[MessageRecorder, Depends(_recorder)]
Views = Annotated[MemoryViews, Depends(_views)]
Recall = Annotated[RecallService, Depends(_recall)]
Facts = Annotated[FactEditor, Depends(_facts)]
Consolidation = Annotated[ConsolidationService, Depends(_consolidation)]
Chat = Annotated[ChatService, Depends(_chat)]
ApiKeys = Annotated[ApiKeyService, Depends(_api_keys)]
Portability = Annotated[PortabilityService, Depends(_portability)]

#: Methods that never change anything: every credential may call them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The OpenAPI extension naming a route that changes nothing although its method is
#: unsafe (a search sent as POST for its body). It is the one marker read-only API keys
#: are judged by, and it shows in the OpenAPI document, so clients see it too.
READ_ONLY_EXTENSION = "x-hybridmem-read-only"
#: ``openapi_extra`` of such a route: ``@router.post(..., openapi_extra=READS_ONLY)``.
READS_ONLY: dict[str, Any] = {READ_ONLY_EXTENSION: True}


def _changes_nothing(request: Request) -> bool:
    if request.method in SAFE_METHODS:
        return True
    route = request.scope.get("route")
    extra = route.openapi_extra if isinstance(route, APIRoute) else None
    return bool(extra and extra.get(READ_ONLY_EXTENSION))


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
    # The read-only rule, once for every route: a read-only API key may call safe
    # methods and the routes marked READS_ONLY, nothing else (403, rule read_only_key).
    if not principal.can_write and not _changes_nothing(request):
        principal.require_write()
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
