"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

import hybridmem
from hybridmem.service.container import Container
from hybridmem.service.dashboard import mount_dashboard
from hybridmem.service.errors import install_error_handlers
from hybridmem.service.housekeeping import run_periodically
from hybridmem.service.mcp.http import mount_mcp, running_mcp
from hybridmem.service.observability import RequestContextMiddleware, configure_logging
from hybridmem.service.routers import (
    admin,
    api_keys,
    auth,
    chat,
    memory,
    messages,
    openai_chat,
    operations,
    portability,
    sessions,
    users,
)
from hybridmem.service.services import running
from hybridmem.service.settings import Settings

API_DESCRIPTION = """
Long-term memory for chatbots. Sign up, log in (the **Authorize** button takes your
email or user id and password), then start sessions and chat. The memory dashboard is
at [/](/).

Every error has the body `{"error": {"code", "message", "details"}}` (details may be null).
"""


def create_app(
    settings: Settings | None = None,
    *,
    container: Container | None = None,
    background_jobs: bool = True,
) -> FastAPI:
    """Build the app. Settings come from the environment unless given."""
    settings = settings or Settings()
    container = container or Container(settings=settings)
    configure_logging(settings.log_level, json_lines=settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(container) as services, running_mcp(app, settings):
            app.state.services = services
            tasks: list[asyncio.Task[None]] = []
            if background_jobs and settings.worker_in_process:
                tasks.append(
                    asyncio.create_task(services.worker.run_forever(), name="hybridmem-worker")
                )
            if background_jobs:
                tasks.append(
                    asyncio.create_task(
                        run_periodically(
                            services.accounts,
                            services.sessions,
                            services.rate_limiter,
                            interval_seconds=settings.purge_interval_seconds,
                        ),
                        name="hybridmem-purge",
                    )
                )
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    # Swagger UI and ReDoc from the fastapi-offline package's files, not a CDN, so /docs
    # and /redoc work offline.
    app = FastAPIOffline(
        title="hybridmem",
        version=hybridmem.__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=container.metrics(),
        max_body_bytes=settings.max_body_bytes,
        path_limits={portability.IMPORT_PATH: settings.max_import_bytes},
    )
    for router in (
        auth.router,
        users.router,
        portability.router,
        api_keys.router,
        sessions.router,
        chat.router,
        memory.router,
        messages.router,
        admin.router,
        operations.router,
        openai_chat.router,
    ):
        app.include_router(router)
    mount_mcp(app)
    mount_dashboard(app)
    return app
