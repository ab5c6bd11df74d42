"""The use cases of one running app, built once from the container when its resources
are up. The delivery layer (routes, CLI, the library) only ever sees these, typed."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from dependency_injector import providers

from hybridmem.adapters.local_llm.unavailable import UnavailableLanguageModel
from hybridmem.adapters.postgres.database import Database
from hybridmem.application.accounts import AccountService
from hybridmem.application.api_keys import ApiKeyService
from hybridmem.application.chat import ChatService
from hybridmem.application.consolidation import ConsolidationService
from hybridmem.application.fact_editing import FactEditor
from hybridmem.application.portability import PortabilityService
from hybridmem.application.readiness import Readiness
from hybridmem.application.recall import RecallService
from hybridmem.application.recording import MessageRecorder
from hybridmem.application.sessions import SessionService
from hybridmem.application.views import MemoryViews
from hybridmem.application.worker import JobWorker
from hybridmem.ports.accounts import UserRepository
from hybridmem.ports.embeddings import Embedder
from hybridmem.ports.limits import RateLimiter
from hybridmem.ports.llm import LanguageModel
from hybridmem.ports.outbox import Outbox
from hybridmem.service.container import Container
from hybridmem.service.observability import Metrics


@dataclass(frozen=True, slots=True)
class Services:
    """Every service the delivery layer calls."""

    accounts: AccountService
    api_keys: ApiKeyService
    sessions: SessionService
    recorder: MessageRecorder
    views: MemoryViews
    recall: RecallService
    facts: FactEditor
    consolidation: ConsolidationService
    chat: ChatService
    portability: PortabilityService
    worker: JobWorker
    readiness: Readiness
    outbox: Outbox
    users: UserRepository
    rate_limiter: RateLimiter
    metrics: Metrics
    model: LanguageModel
    embedder: Embedder | None


async def _ready(value: Any) -> Any:
    # Providers that depend on an async Resource return awaitables; this is the one place
    # that knows, so nothing downstream awaits "maybe".
    return await value if inspect.isawaitable(value) else value


async def build_services(container: Container) -> Services:
    """Resolve every service once (the container's resources must be initialised)."""
    return Services(
        accounts=await _ready(container.accounts()),
        api_keys=await _ready(container.api_key_service()),
        sessions=await _ready(container.session_service()),
        recorder=await _ready(container.recorder()),
        views=await _ready(container.views()),
        recall=await _ready(container.recall()),
        facts=await _ready(container.fact_editor()),
        consolidation=await _ready(container.consolidation()),
        chat=await _ready(container.chat()),
        portability=await _ready(container.portability()),
        worker=await _ready(container.worker()),
        readiness=await _ready(container.readiness()),
        outbox=await _ready(container.outbox()),
        users=await _ready(container.users()),
        rate_limiter=await _ready(container.rate_limiter()),
        metrics=container.metrics(),
        model=await _ready(container.language_model()),
        embedder=await _ready(container.embedder()),
    )


async def open_database(container: Container) -> Database:
    """Start the database (and its pool) alone; UpstreamUnavailable when it cannot."""
    database: Database = await _ready(container.database())
    return database


@asynccontextmanager
async def running(
    container: Container, *, with_model: bool = True, with_embedder: bool = True
) -> AsyncIterator[Services]:
    """The container's services built — with the resources they need (database, HTTP
    clients, the configured language model and the embedder, unless switched off:
    operator commands never chat or embed) — for as long as the block runs; every
    resource started is shut down afterwards."""
    if not with_model:
        container.language_model.override(
            providers.Object(UnavailableLanguageModel("this command does not start a model"))
        )
    if not with_embedder:
        container.embedder.override(providers.Object(None))
    # Resources start when a service first needs them (no init_resources(): that would
    # start every resource, the language models the configuration does not choose too).
    try:
        yield await build_services(container)
    finally:
        await _ready(container.shutdown_resources())


@asynccontextmanager
async def database_of(container: Container) -> AsyncIterator[Database]:
    """Only the database (started, pooled), for as long as the block runs."""
    try:
        yield await open_database(container)
    finally:
        await _ready(container.shutdown_resources())
