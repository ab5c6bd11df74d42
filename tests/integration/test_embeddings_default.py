"""Semantic search is on by default (HYBRIDMEM_EMBEDDINGS=auto): on where the model is
installed and the database has pgvector (the embedded PostgreSQL), otherwise text search
with one log line saying why (the PostgreSQL 15 test server has no pgvector); ``on``
refuses to start without them, ``off`` never loads the model."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder, bundled_model_dir
from hybridmem.adapters.postgres.vectors import pgvector_available
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.ports.embeddings import Embedder
from hybridmem.service.resources import embedder_resource
from hybridmem.service.settings import Settings
from tests.conftest import make_settings, started_app
from tests.support.api import auth_headers, drain_jobs, say

MODEL_INSTALLED = bundled_model_dir() is not None
OFF_LINE = "semantic search is off"


@asynccontextmanager
async def _embedder(settings: Settings, database) -> AsyncIterator[Embedder | None]:
    resource = embedder_resource(settings, database)
    try:
        yield await anext(resource)
    finally:
        await resource.aclose()


def _off_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if OFF_LINE in r.getMessage()]


def test_the_default_is_auto():
    assert Settings(_env_file=None).embeddings == "auto"


async def test_auto_is_on_with_pgvector_and_the_model_else_says_why_once(database, caplog):
    with caplog.at_level(logging.INFO):
        async with _embedder(make_settings(embeddings="auto"), database) as embedder:
            if await pgvector_available(database) and MODEL_INSTALLED:
                assert isinstance(embedder, MiniLmEmbedder)
                assert _off_lines(caplog) == []
            else:
                assert embedder is None
                [line] = _off_lines(caplog)
                if not await pgvector_available(database):
                    assert "pgvector" in line


async def test_on_refuses_a_database_without_pgvector(database):
    if await pgvector_available(database):
        pytest.skip("this PostgreSQL has pgvector")
    with pytest.raises(UpstreamUnavailable, match="pgvector"):
        async with _embedder(make_settings(embeddings="on"), database):
            pass


async def test_on_refuses_a_missing_model(database, tmp_path):
    if not await pgvector_available(database):
        pytest.skip("this PostgreSQL has no pgvector (the model is never looked at)")
    settings = make_settings(embeddings="on", embedding_model_path=tmp_path)
    with pytest.raises(UpstreamUnavailable, match=r"lacks config\.json"):
        async with _embedder(settings, database):
            pass


async def test_off_loads_nothing_and_says_nothing(database, caplog):
    with caplog.at_level(logging.INFO):
        async with _embedder(make_settings(embeddings="off"), database) as embedder:
            assert embedder is None
    assert _off_lines(caplog) == []


async def test_the_app_by_default_finds_by_meaning_or_logs_one_line(database, clock, model, caplog):
    settings = make_settings(embeddings="auto")
    semantic = await pgvector_available(database) and MODEL_INSTALLED
    with caplog.at_level(logging.INFO):
        async with started_app(database, clock, settings, model) as app:
            import httpx

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                headers = await auth_headers(client, "mira")
                await say(client, headers, "s1", "We adopted a little kitten last spring.")
                await drain_jobs(app)
                async with database.connection() as conn:
                    row = await (
                        await conn.execute(
                            "SELECT count(*) AS n FROM jobs WHERE user_id = 'mira' AND kind = %s",
                            ("memory.index",),
                        )
                    ).fetchone()
                # messages are queued for embedding only when semantic search is on
                assert row is not None
                assert row["n"] == (1 if semantic else 0)
                response = await client.post(
                    "/api/memory/search",
                    headers=headers,
                    json={"query": "tell me about my cat", "limit": 5},
                )
                assert response.status_code == 200, response.text
                found = response.json()["items"]  # facts, relations and messages
    recalled = any("kitten" in str(item) for item in found)
    if semantic:
        # no word in common with the message: only its vector can find it
        assert recalled, found
        assert _off_lines(caplog) == []
    else:
        assert not recalled, found
        assert len(_off_lines(caplog)) == 1, _off_lines(caplog)
