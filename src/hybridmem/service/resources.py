"""Resources with a lifetime: opened when the app (or a command) first needs them, closed
when it stops. One function per resource; the container picks which one runs."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import SecretStr

from hybridmem.adapters.mem0.client import mem0_http_client
from hybridmem.adapters.postgres.database import Database, PostgresServer, open_database
from hybridmem.adapters.postgres.vectors import create_pgvector, pgvector_available
from hybridmem.adapters.zep.client import zep_http_client
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.domain.prompting import PromptStyle
from hybridmem.ports.embeddings import Embedder
from hybridmem.ports.llm import LanguageModel, ModelInfo
from hybridmem.service.roles import cloud_providers
from hybridmem.service.settings import STANDARD_MAX_OUTPUT_TOKENS, Settings

if TYPE_CHECKING:
    from hybridmem.adapters.agno.model import AgnoLanguageModel

log = logging.getLogger(__name__)


async def database_resource(server: PostgresServer, settings: Settings) -> AsyncIterator[Database]:
    """The pool's lifetime is the container's: opened on first use, closed on shutdown."""
    async with open_database(
        server,
        min_size=settings.db_pool_min_size,
        max_size=settings.db_pool_max_size,
        acquire_timeout=settings.db_acquire_timeout_seconds,
        connect_timeout=settings.db_connect_timeout_seconds,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        migrate=settings.migrate_on_start,
    ) as database:
        yield database


async def _import_agno() -> Any:
    # Agno with the OpenAI and Gemini SDKs takes 1-5 s to import (more on a busy machine).
    # In a thread, the event loop keeps running meanwhile: the database pool opening next
    # to this resource would otherwise be starved into its timeout.
    return await asyncio.to_thread(importlib.import_module, "hybridmem.adapters.agno.model")


def _unavailable(reason: str) -> LanguageModel:
    from hybridmem.adapters.local_llm.unavailable import UnavailableLanguageModel

    return UnavailableLanguageModel(reason)


async def gemini_model_resource(settings: Settings) -> AsyncIterator[LanguageModel]:
    """Gemini through Agno (HYBRIDMEM_LLM=gemini, the default with GEMINI_API_KEY)."""
    if settings.gemini_api_key is None:
        yield _unavailable("HYBRIDMEM_LLM=gemini needs GEMINI_API_KEY")
        return
    agno = await _import_agno()
    yield agno.AgnoLanguageModel(
        agno.gemini_model(
            model_id=settings.gemini_model,
            api_key=settings.gemini_api_key.get_secret_value(),
            timeout=settings.llm_timeout_seconds,
            base_url=settings.gemini_base_url,
        ),
        ModelInfo(
            name=f"gemini:{settings.gemini_model}",
            context_tokens=settings.llm_context_tokens or 1_000_000,
            supports_tools=settings.llm_tools_enabled,
            supports_structured_output=True,
        ),
        structured="json_mode",
    )


def _openai_compatible(
    agno: Any, settings: Settings, *, name: str, base_url: str, model_id: str, context: int,
    http_client: httpx.AsyncClient, streamed: bool,
) -> AgnoLanguageModel:  # fmt: skip
    endpoint: dict[str, Any] = {
        "model_id": model_id,
        "base_url": base_url,
        "api_key": settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
        "timeout": settings.llm_timeout_seconds,
        "http_client": http_client,
    }
    model: AgnoLanguageModel = agno.AgnoLanguageModel(
        agno.openai_like_model(**endpoint, **settings.llm_sampling),
        ModelInfo(
            name=name,
            context_tokens=context,
            supports_tools=settings.llm_tools_enabled,
            supports_structured_output=True,
            prompt_style=PromptStyle.COMPACT if settings.llm_small_model else PromptStyle.STANDARD,
        ),
        stream_completions=streamed,
        # structured extraction keeps the server's decoding and a JSON-sized cap
        extraction_model=agno.openai_like_model(
            **endpoint, max_tokens=max(settings.llm_reply_tokens, STANDARD_MAX_OUTPUT_TOKENS)
        ),
    )
    return model


async def openai_compatible_model_resource(settings: Settings) -> AsyncIterator[LanguageModel]:
    """Any OpenAI-compatible server (Ollama, vLLM, LM Studio…: HYBRIDMEM_LLM_BASE_URL)."""
    if not settings.llm_base_url:
        yield _unavailable("HYBRIDMEM_LLM=openai needs HYBRIDMEM_LLM_BASE_URL")
        return
    agno = await _import_agno()
    http_client = agno.model_http_client(timeout=settings.llm_timeout_seconds, keep_alive=True)
    try:
        yield _openai_compatible(
            agno,
            settings,
            name=f"openai:{settings.llm_model}",
            base_url=settings.llm_base_url,
            model_id=settings.llm_model,
            context=settings.llm_context_tokens or 8192,
            http_client=http_client,
            streamed=False,
        )
    finally:
        await http_client.aclose()


async def embedded_model_resource(settings: Settings) -> AsyncIterator[LanguageModel]:
    """The embedded GGUF model (SmolLM2-135M, or HYBRIDMEM_LOCAL_MODEL_PATH) served by
    llama.cpp inside this process; it lives as long as the app. When it cannot start, a
    stand-in answers 503 with the reason and the rest of the service keeps working."""
    from hybridmem.adapters.local_llm.server import EmbeddedLlamaServer

    agno = await _import_agno()
    server = EmbeddedLlamaServer(
        settings.local_model_path,
        context_tokens=settings.local_model_context_tokens,
        threads=settings.local_model_threads,
    )
    try:
        base_url = await server.start()
    except UpstreamUnavailable as exc:
        log.warning("chat is unavailable: %s", exc.message)
        yield _unavailable(exc.message)
        return
    # fresh connections: the embedded server sometimes drops a kept-alive one after a stream
    http_client = agno.model_http_client(timeout=settings.llm_timeout_seconds, keep_alive=False)
    try:
        yield _openai_compatible(
            agno,
            settings,
            name=f"local:{server.alias}",
            base_url=base_url,
            model_id=server.alias,
            context=settings.llm_context_tokens or settings.local_model_context_tokens,
            http_client=http_client,
            streamed=True,
        )
    finally:
        await http_client.aclose()
        await server.stop()


async def _provider_http(
    settings: Settings, provider: str, factory: Any, url: str, key: SecretStr | None
) -> AsyncIterator[httpx.AsyncClient | None]:
    if provider not in cloud_providers(settings) or key is None:
        yield None
        return
    client = factory(url, key.get_secret_value(), settings.provider_timeout_seconds)
    try:
        yield client
    finally:
        await client.aclose()


async def zep_http_resource(settings: Settings) -> AsyncIterator[httpx.AsyncClient | None]:
    """The one pooled HTTP client for Zep, when Zep plays a role."""
    async for client in _provider_http(
        settings, "zep", zep_http_client, settings.zep_base_url, settings.zep_api_key
    ):
        yield client


async def mem0_http_resource(settings: Settings) -> AsyncIterator[httpx.AsyncClient | None]:
    """The one pooled HTTP client for Mem0, when Mem0 plays a role."""
    async for client in _provider_http(
        settings, "mem0", mem0_http_client, settings.mem0_api_url, settings.mem0_api_key
    ):
        yield client


async def embedder_resource(
    settings: Settings, database: Database
) -> AsyncIterator[Embedder | None]:
    """The sentence embedder, or None for text-only search.

    ``auto`` (the default) turns semantic search on when the model is installed and the
    database has pgvector, and otherwise says why in one log line; ``on`` refuses to start
    without them; ``off`` never loads the model. Loading reads ~90 MB of weights, so it
    happens off the event loop, and only once pgvector is known to be there.
    """
    if settings.embeddings == "off":
        yield None
        return
    from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder

    try:
        if not await pgvector_available(database):
            raise UpstreamUnavailable(
                "the database has no pgvector extension (the embedded PostgreSQL has it; "
                "a server needs the pgvector package)",
                upstream="database",
            )
        await create_pgvector(database)
        embedder: Embedder | None = await asyncio.to_thread(
            MiniLmEmbedder, settings.embedding_model_path
        )
    except UpstreamUnavailable as exc:
        if settings.embeddings == "on":
            raise
        log.warning(
            "semantic search is off, search uses text only: %s "
            "(HYBRIDMEM_EMBEDDINGS=off silences this)",
            exc.message,
        )
        embedder = None
    yield embedder
