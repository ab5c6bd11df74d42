"""MCP over streamable HTTP at ``/mcp``: the same credentials as every route (a bearer
token or API key, resolved by ``AccountService.authenticate``), stateless, its session
manager run by the app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hybridmem.application.principals import INVALID_TOKEN, Principal
from hybridmem.domain.errors import HybridMemError, Unauthenticated, UpstreamUnavailable
from hybridmem.service.errors import error_response, status_for
from hybridmem.service.mcp.tools import Caller, build_server
from hybridmem.service.services import Services
from hybridmem.service.settings import Settings

MCP_PATH = "/mcp"
#: Where the endpoint leaves the authenticated principal for the tools (the ASGI scope
#: travels with the request into the SDK, which hands the tools a Request over it).
PRINCIPAL_KEY = "hybridmem.principal"


async def _caller_of(ctx: Context[Any, Any]) -> Caller:
    request = ctx.request_context.request
    if not isinstance(request, Request) or not isinstance(
        principal := request.scope.get(PRINCIPAL_KEY), Principal
    ):
        # unreachable through /mcp, which authenticates every request first
        raise ToolError("not authenticated")
    services: Services = request.app.state.services
    return Caller(services=services, principal=principal)


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """The SDK's Host/Origin check (DNS rebinding) from HYBRIDMEM_MCP_ALLOWED_HOSTS and
    HYBRIDMEM_MCP_ALLOWED_ORIGINS."""
    check = settings.mcp_host_check
    if check is None:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts, origins = check
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


@asynccontextmanager
async def running_mcp(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Run the MCP session manager for as long as the app runs (a manager runs once, so
    each start of the app builds its own)."""
    server = build_server(_caller_of)
    # Called for the session manager it creates; its Starlette app is not used (the
    # endpoint below serves the route, with the app's authentication in front).
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=transport_security(settings),
        max_request_body_size=settings.max_body_bytes,
    )
    manager: StreamableHTTPSessionManager = server.session_manager
    async with manager.run():
        app.state.mcp = manager
        try:
            yield
        finally:
            app.state.mcp = None


def _bearer(scope: Scope) -> str | None:
    scheme, _, credential = Headers(scope=scope).get("authorization", "").partition(" ")
    return credential.strip() or None if scheme.lower() == "bearer" else None


class McpEndpoint:
    """The ASGI app of ``/mcp``: authenticate like every route (401 with the stable
    error body otherwise), then hand the request to the MCP session manager."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one MCP request."""
        state = scope["app"].state
        manager: StreamableHTTPSessionManager | None = getattr(state, "mcp", None)
        try:
            if manager is None:
                raise UpstreamUnavailable("the MCP endpoint is not running", upstream="mcp")
            token = _bearer(scope)
            if token is None:
                raise Unauthenticated(INVALID_TOKEN)
            services: Services = state.services
            principal = await services.accounts.authenticate(token)
        except HybridMemError as exc:
            headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
            response = error_response(status_for(exc), exc.code, exc.message, exc.details, headers)
            await response(scope, receive, send)
            return
        scope[PRINCIPAL_KEY] = principal
        await manager.handle_request(scope, receive, send)


class _McpRoute(Route):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # metrics and the access log name a request by its route ("/mcp", not "unmatched")
        scope["route"] = self
        await super().handle(scope, receive, send)


def mount_mcp(app: FastAPI) -> None:
    """Serve MCP at ``/mcp``: POST only. Stateless, the server has no stream to offer on
    GET nor a session to end on DELETE, so both are 405 (which the spec allows and the
    clients expect) rather than a connection held open for nothing."""
    app.router.routes.append(_McpRoute(MCP_PATH, endpoint=McpEndpoint(), methods=["POST"]))
