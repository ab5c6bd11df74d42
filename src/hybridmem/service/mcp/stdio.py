"""MCP over stdio (``hybridmem mcp``): one user's memory, named by an API key, on the
service's own database and settings (embedded defaults unless configured)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.mcpserver import Context, MCPServer

from hybridmem.domain.errors import HybridMemError
from hybridmem.service.container import Container
from hybridmem.service.mcp.tools import Caller, build_server
from hybridmem.service.roles import llm_extraction_enabled
from hybridmem.service.services import Services, open_database, running
from hybridmem.service.settings import Settings

log = logging.getLogger(__name__)

#: The environment variable holding the credential of ``hybridmem mcp``.
API_KEY_ENV = "HYBRIDMEM_API_KEY"


class StartupFailed(Exception):
    """``hybridmem mcp`` could not start: the database, or a refused API key."""


def stdio_server(settings: Settings, api_key: str) -> MCPServer[Any]:
    """The memory tools for the owner of ``api_key``. The services start in the server's
    lifespan, once the transport holds stdout, so nothing they print reaches the wire;
    the key is checked at start (a refused key ends the process) and on every call (a
    revoked key stops working at once)."""

    @contextlib.asynccontextmanager
    async def lifespan(_server: MCPServer[Any]) -> AsyncIterator[Services]:
        container = Container(settings=settings)
        try:
            await open_database(container)
        except HybridMemError as exc:
            raise StartupFailed(f"database error: {exc.message}") from exc
        # no chat tool: the model starts only for model-based extraction
        async with running(
            container, with_model=llm_extraction_enabled(settings), with_embedder=True
        ) as services:
            try:
                principal = await services.accounts.authenticate(api_key)
            except HybridMemError as exc:
                raise StartupFailed(f"{API_KEY_ENV} was refused: {exc.message}") from exc
            access = "read and write" if principal.can_write else "read-only"
            log.info("MCP on stdio for user %s (%s)", principal.user_id, access)
            worker = (
                asyncio.create_task(services.worker.run_forever(), name="hybridmem-worker")
                if settings.worker_in_process
                else None
            )
            try:
                yield services
            finally:
                if worker is not None:
                    worker.cancel()
                    await asyncio.gather(worker, return_exceptions=True)

    async def caller_of(ctx: Context[Any, Any]) -> Caller:
        services: Services = ctx.request_context.lifespan_context
        return Caller(services=services, principal=await services.accounts.authenticate(api_key))

    return build_server(caller_of, lifespan=lifespan)


def startup_failure(error: BaseException) -> StartupFailed | None:
    """The StartupFailed inside ``error`` (the SDK's task groups wrap it), if any."""
    if isinstance(error, StartupFailed):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = startup_failure(inner)
            if found is not None:
                return found
    return None


async def serve_stdio(settings: Settings, api_key: str) -> None:
    """Serve MCP on stdin/stdout until the client closes stdin."""
    await stdio_server(settings, api_key).run_stdio_async()
