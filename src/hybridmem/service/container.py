"""The composition root: every adapter is chosen and wired here, and only here."""

from __future__ import annotations

import logging
from datetime import timedelta

from dependency_injector import containers, providers

from hybridmem.adapters.mem0.client import Mem0Client
from hybridmem.adapters.mem0.facts import Mem0FactMemory
from hybridmem.adapters.mem0.users import Mem0UserDirectory
from hybridmem.adapters.postgres.accounts import (
    PostgresLoginThrottle,
    PostgresSessions,
    PostgresTokenRevocations,
    PostgresUsers,
)
from hybridmem.adapters.postgres.api_keys import PostgresApiKeys
from hybridmem.adapters.postgres.database import (
    Database,
    EmbeddedPostgres,
    ExternalPostgres,
)
from hybridmem.adapters.postgres.facts import PostgresFactMemory
from hybridmem.adapters.postgres.graph import PostgresGraphMemory
from hybridmem.adapters.postgres.limits import PostgresRateLimiter
from hybridmem.adapters.postgres.links import PostgresProviderLinks
from hybridmem.adapters.postgres.messages import PostgresMessages
from hybridmem.adapters.postgres.outbox import PostgresOutbox
from hybridmem.adapters.postgres.portability import PostgresMemoryArchive
from hybridmem.adapters.security.passwords import BcryptPasswordHasher
from hybridmem.adapters.security.strength import ZxcvbnPasswordStrength
from hybridmem.adapters.security.tokens import JwtAccessTokens
from hybridmem.adapters.system import SystemClock, UuidIds
from hybridmem.adapters.zep.client import ZepClient
from hybridmem.adapters.zep.graph import ZepGraphMemory
from hybridmem.adapters.zep.history import ZepChatHistory
from hybridmem.adapters.zep.users import ZepUserDirectory
from hybridmem.application.accounts import AccountService
from hybridmem.application.api_keys import ApiKeyService
from hybridmem.application.chat import ChatService
from hybridmem.application.consolidation import ConsolidationService
from hybridmem.application.extraction import FactExtraction, MessageIndexing
from hybridmem.application.fact_editing import FactEditor
from hybridmem.application.llm_extraction import LlmFactExtractor
from hybridmem.application.login_guard import AddressGuard, GuardLimits, HashingGate
from hybridmem.application.portability import PortabilityService
from hybridmem.application.providers import ProviderDelivery, ProviderJobs
from hybridmem.application.readiness import Readiness, RoleHealth
from hybridmem.application.recall import RecallService, RecallSettings
from hybridmem.application.recording import MessageRecorder
from hybridmem.application.sessions import SessionService
from hybridmem.application.views import MemoryViews
from hybridmem.application.worker import JobBell, JobHandler, JobWorker
from hybridmem.domain.jobs import JobKind, JobRouting
from hybridmem.domain.units import TurnWindow
from hybridmem.ports.embeddings import Embedder
from hybridmem.ports.health import HealthCheck
from hybridmem.ports.llm import LanguageModel
from hybridmem.ports.providers import UserDirectory
from hybridmem.service.observability import Metrics
from hybridmem.service.resources import (
    database_resource,
    embedded_model_resource,
    embedder_resource,
    gemini_model_resource,
    mem0_http_resource,
    openai_compatible_model_resource,
    zep_http_resource,
)
from hybridmem.service.roles import (
    cloud_providers,
    database_mode,
    graph_source,
    job_routing,
)
from hybridmem.service.settings import (
    Settings,
    resolve_secret_key,
)

log = logging.getLogger(__name__)


def user_directories(
    settings: Settings, zep: ZepClient, mem0: Mem0Client, links: PostgresProviderLinks
) -> dict[str, UserDirectory]:
    """The providers that keep a record of our users (over the roles' clients)."""
    directories: dict[str, UserDirectory] = {}
    chosen = cloud_providers(settings)
    if "zep" in chosen:
        directories["zep"] = ZepUserDirectory(zep, links)
    if "mem0" in chosen:
        directories["mem0"] = Mem0UserDirectory(mem0, links=links)
    return directories


def job_handlers(
    extraction: FactExtraction,
    indexing: MessageIndexing,
    llm_extractor: LlmFactExtractor,
    delivery: ProviderDelivery,
) -> dict[JobKind, JobHandler]:
    """Which use case handles each kind of outbox job."""
    return {
        JobKind.EXTRACT: extraction.handle,
        JobKind.INDEX: indexing.handle,
        JobKind.EXTRACT_LLM: llm_extractor.handle,
        JobKind.DELIVER_MESSAGE: delivery.deliver_message,
        JobKind.DELIVER_EPISODE: delivery.deliver_episode,
        JobKind.SYNC_USER: delivery.sync_user,
        JobKind.DELETE_USER: delivery.delete_user,
    }


def routing_as_started(settings: Settings, embedder: Embedder | None) -> JobRouting:
    """The jobs a write enqueues, with semantic search as decided at start (the embedder
    resource: ``auto`` may have turned it off), not as configured."""
    return job_routing(settings, indexing=embedder is not None)


def recall_settings(settings: Settings) -> RecallSettings:
    """How much recall reads and returns."""
    return RecallSettings(
        limit=settings.recall_limit,
        budget_tokens=settings.context_budget_tokens,
        source_timeout_seconds=settings.memory_source_timeout_seconds,
        turns=TurnWindow(before=settings.recall_turns_before, after=settings.recall_turns_after),
    )


def readiness_checks(
    settings: Settings,
    database: Database,
    zep: ZepClient,
    mem0: Mem0Client,
    model: LanguageModel,
    outbox: PostgresOutbox,
) -> dict[str, HealthCheck]:
    """What /readyz asks: the database, each memory role's backend, the model, the
    delivery backlog."""
    backends: dict[str, HealthCheck] = {"postgres": database, "zep": zep, "mem0": mem0}
    return {
        "database": database,
        "history": RoleHealth(settings.history_backend, backends[settings.history_backend]),
        "graph": RoleHealth(settings.graph_backend, backends[settings.graph_backend]),
        "facts": RoleHealth(settings.facts_backend, backends[settings.facts_backend]),
        "language_model": model,
        "outbox": outbox,
    }


def guard_limits(settings: Settings) -> GuardLimits:
    """The per-address and global login limits from the settings."""
    return GuardLimits(
        address_max_failures=settings.login_address_max_failures,
        address_window=timedelta(seconds=settings.login_address_window_seconds),
        address_max_in_flight=settings.login_address_max_in_flight,
        global_max_failures=settings.login_global_max_failures,
    )


def count_event(metrics: Metrics) -> object:
    """A sink that counts worker events in Prometheus."""
    return lambda event: metrics.events.labels(event).inc()


class Container(containers.DeclarativeContainer):
    """Providers for one app (or one CLI command). Tests ``.override()`` any of them."""

    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UuidIds)
    metrics = providers.Singleton(Metrics)

    postgres_server = providers.Selector(
        providers.Callable(database_mode, settings),
        external=providers.Singleton(
            ExternalPostgres, url=providers.Callable(lambda s: s.database_url, settings)
        ),
        embedded=providers.Singleton(EmbeddedPostgres, data_dir=settings.provided.data_dir),
    )
    database = providers.Resource(database_resource, server=postgres_server, settings=settings)

    users = providers.Singleton(PostgresUsers, database)
    sessions = providers.Singleton(PostgresSessions, database)
    revocations = providers.Singleton(PostgresTokenRevocations, database)
    api_keys = providers.Singleton(PostgresApiKeys, database)
    login_throttle = providers.Singleton(
        PostgresLoginThrottle,
        database,
        clock,
        max_failures=settings.provided.login_max_failures,
        window=providers.Callable(lambda s: timedelta(seconds=s.login_window_seconds), settings),
        lockout=providers.Callable(lambda s: timedelta(seconds=s.login_lockout_seconds), settings),
    )

    password_hasher = providers.Singleton(
        BcryptPasswordHasher,
        rounds=settings.provided.bcrypt_rounds,
        threads=settings.provided.password_hash_threads,
    )
    password_strength = providers.Singleton(ZxcvbnPasswordStrength)
    login_guard = providers.Singleton(
        AddressGuard, clock, providers.Callable(guard_limits, settings)
    )
    hashing_gate = providers.Singleton(
        HashingGate,
        slots=settings.provided.password_hash_threads,
        max_waiting=settings.provided.login_max_queued,
        max_suspect_waiting=settings.provided.login_max_queued_suspect,
        wait_timeout=settings.provided.login_queue_timeout_seconds,
    )
    access_tokens = providers.Singleton(
        JwtAccessTokens,
        secret_key=providers.Callable(resolve_secret_key, settings),
        algorithm=settings.provided.algorithm,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        ttl=settings.provided.access_token_ttl,
        clock=clock,
        ids=ids,
    )

    outbox = providers.Singleton(PostgresOutbox, database)
    provider_links = providers.Singleton(PostgresProviderLinks, database)
    provider_jobs = providers.Singleton(
        ProviderJobs, providers=providers.Callable(cloud_providers, settings), ids=ids
    )

    api_key_service = providers.Singleton(ApiKeyService, keys=api_keys, ids=ids, clock=clock)
    accounts = providers.Singleton(
        AccountService,
        users=users,
        hasher=password_hasher,
        tokens=access_tokens,
        revocations=revocations,
        throttle=login_throttle,
        ids=ids,
        clock=clock,
        strength=password_strength,
        guard=login_guard,
        gate=hashing_gate,
        refusal_delay=settings.provided.login_refusal_delay_seconds,
        outbox=outbox,
        provider_jobs=provider_jobs,
        api_keys=api_key_service,
    )
    session_service = providers.Singleton(
        SessionService,
        sessions=sessions,
        ids=ids,
        clock=clock,
        retention=settings.provided.session_retention,
    )

    embedder = providers.Resource(embedder_resource, settings, database)
    messages = providers.Singleton(PostgresMessages, database, embedder)
    zep_http = providers.Resource(zep_http_resource, settings)
    mem0_http = providers.Resource(mem0_http_resource, settings)
    zep_client = providers.Singleton(ZepClient, zep_http)
    mem0_client = providers.Singleton(Mem0Client, mem0_http)

    fact_memory = providers.Selector(
        providers.Callable(lambda s: s.facts_backend, settings),
        postgres=providers.Singleton(
            PostgresFactMemory,
            database,
            embedder,
            require_vectors=providers.Callable(lambda s: s.embeddings == "on", settings),
        ),
        mem0=providers.Singleton(Mem0FactMemory, mem0_client, links=provider_links),
    )
    graph_memory = providers.Selector(
        providers.Callable(lambda s: s.graph_backend, settings),
        postgres=providers.Singleton(PostgresGraphMemory, database),
        zep=providers.Singleton(ZepGraphMemory, zep_client, provider_links),
    )
    history_mirror = providers.Selector(
        providers.Callable(lambda s: s.history_backend, settings),
        postgres=providers.Object(None),
        zep=providers.Singleton(
            ZepChatHistory,
            zep_client,
            provider_links,
            ignore_roles=settings.provided.zep_ignore_roles,
        ),
    )

    bell = providers.Singleton(JobBell)
    extraction = providers.Singleton(FactExtraction, facts=fact_memory, graph=graph_memory, ids=ids)
    indexing = providers.Singleton(MessageIndexing, messages)
    routing = providers.Callable(routing_as_started, settings, embedder)
    recorder = providers.Singleton(
        MessageRecorder,
        journal=messages,
        outbox=outbox,
        extraction=extraction,
        ids=ids,
        clock=clock,
        routing=routing,
        bell=bell,
    )
    portability = providers.Singleton(
        PortabilityService,
        archive=providers.Singleton(PostgresMemoryArchive, database, embedder),
        routing=routing,
        clock=clock,
        bell=bell,
    )
    views = providers.Singleton(
        MemoryViews,
        history=messages,
        lookup=messages,
        sessions=sessions,
        facts=fact_memory,
        graph=graph_memory,
        context_budget_tokens=settings.provided.context_budget_tokens,
    )
    fact_editor = providers.Singleton(FactEditor, fact_memory, graph_memory)
    recall = providers.Singleton(
        RecallService,
        facts=fact_memory,
        graph=graph_memory,
        history=messages,
        context=messages,
        settings=providers.Callable(recall_settings, settings),
    )
    consolidation = providers.Singleton(
        ConsolidationService,
        facts=fact_memory,
        graph=graph_memory,
        graph_source=providers.Callable(graph_source, settings),
    )
    # One resource per provider; the Selector starts only the configured one.
    language_model = providers.Selector(
        providers.Callable(lambda s: s.llm_provider, settings),
        gemini=providers.Resource(gemini_model_resource, settings),
        openai=providers.Resource(openai_compatible_model_resource, settings),
        local=providers.Resource(embedded_model_resource, settings),
    )
    llm_extractor = providers.Singleton(
        LlmFactExtractor,
        model=language_model,
        extraction=extraction,
        on_event=providers.Callable(count_event, metrics),
    )
    provider_delivery = providers.Singleton(
        ProviderDelivery,
        users=users,
        graph=graph_memory,
        directories=providers.Callable(
            user_directories, settings, zep_client, mem0_client, provider_links
        ),
        history_mirror=history_mirror,
    )
    worker = providers.Singleton(
        JobWorker,
        outbox=outbox,
        handlers=providers.Callable(
            job_handlers, extraction, indexing, llm_extractor, provider_delivery
        ),
        clock=clock,
        max_attempts=settings.provided.job_max_attempts,
        idle_sleep=settings.provided.worker_idle_seconds,
        on_event=providers.Callable(count_event, metrics),
        bell=bell,
    )

    rate_limiter = providers.Singleton(PostgresRateLimiter, database, clock)
    chat = providers.Singleton(
        ChatService,
        recorder=recorder,
        views=views,
        recall=recall,
        model=language_model,
        clock=clock,
        history_messages=settings.provided.chat_history_messages,
        rate_limiter=rate_limiter,
        turns_per_minute=settings.provided.chat_turns_per_minute,
    )
    readiness = providers.Singleton(
        Readiness,
        providers.Callable(
            readiness_checks, settings, database, zep_client, mem0_client, language_model, outbox
        ),
    )
