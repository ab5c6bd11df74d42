"""Fact search with an embedder: pgvector candidates and similarity in the score (the
embedded PostgreSQL ships pgvector), and a clean fallback where pgvector is missing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hybridmem.adapters.postgres.accounts import PostgresUsers
from hybridmem.adapters.postgres.facts import PostgresFactMemory
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.domain.facts import make_candidate
from hybridmem.domain.retrieval import FactQuery
from hybridmem.domain.temporal import plan_temporal_update
from tests.support.fakes import TrigramEmbedder

T0 = datetime(2024, 1, 1, tzinfo=UTC)


async def _has_pgvector(database) -> bool:
    async with database.connection() as conn:
        row = await (
            await conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        ).fetchone()
    return row is not None


async def _remember(facts, *specs) -> None:
    counter = iter(range(100))
    candidates = [
        make_candidate(attribute, value, observed_at=T0, message_id=f"m{i}", qualifier=q)
        for i, (attribute, value, q) in enumerate(specs)
    ]
    plan = plan_temporal_update([], candidates, user_id="u", new_id=lambda: f"f{next(counter)}")
    await facts.apply("u", plan)


async def test_vectors_find_what_words_miss(database):
    if not await _has_pgvector(database):
        pytest.skip("this PostgreSQL has no pgvector")
    await PostgresUsers(database).ensure("u")
    facts = PostgresFactMemory(database, TrigramEmbedder(), require_vectors=True)
    await _remember(
        facts,
        (Attribute.PET, "Bruno", "dog"),
        (Attribute.LIKES, "chess", None),
        (Attribute.EMPLOYER, "Globex", None),
    )
    plain = PostgresFactMemory(database)
    misspelled = FactQuery(text="Brunno")
    assert await plain.search("u", misspelled) == []
    [top, *_] = await facts.search("u", misspelled)
    assert top.fact.value == "Bruno"
    # text and attribute evidence still lead when they exist
    [first, *_] = await facts.search(
        "u", FactQuery(text="Where do I work?", attributes=(Attribute.EMPLOYER,))
    )
    assert first.fact.value == "Globex"


async def test_without_pgvector_search_falls_back_or_refuses(database):
    if await _has_pgvector(database):
        pytest.skip("this PostgreSQL has pgvector")
    await PostgresUsers(database).ensure("u")
    facts = PostgresFactMemory(database, TrigramEmbedder())
    await _remember(facts, (Attribute.LIKES, "chess", None))
    [hit] = await facts.search("u", FactQuery(text="chess"))
    assert hit.fact.value == "chess"
    strict = PostgresFactMemory(database, TrigramEmbedder(), require_vectors=True)
    with pytest.raises(UpstreamUnavailable, match="pgvector"):
        await strict.search("u", FactQuery(text="chess"))


async def test_minilm_finds_meaning_not_only_words(database):
    """The real embedder (the `embeddings` extra and the bundled model) on pgvector."""
    if not await _has_pgvector(database):
        pytest.skip("this PostgreSQL has no pgvector")
    from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder
    from hybridmem.domain.errors import UpstreamUnavailable as Missing

    try:
        embedder = MiniLmEmbedder()
    except Missing as exc:
        pytest.skip(f"MiniLM is not installed: {exc.message}")
    await PostgresUsers(database).ensure("u")
    facts = PostgresFactMemory(database, embedder, require_vectors=True)
    await _remember(
        facts,
        (Attribute.PET, "Bruno", "dog"),
        (Attribute.EMPLOYER, "Globex", None),
        (Attribute.LIKES, "opera", None),
    )
    # no word in common with "Has a dog named Bruno"
    [top, *_] = await facts.search("u", FactQuery(text="tell me about my puppy"))
    assert top.fact.value == "Bruno"
    [music, *_] = await facts.search("u", FactQuery(text="which singing do I enjoy?"))
    assert music.fact.value == "opera"


async def test_minilm_finds_past_messages_by_meaning(database):
    """Message search with the real embedder: a message that shares no word with the
    question is found once it has been indexed."""
    if not await _has_pgvector(database):
        pytest.skip("this PostgreSQL has no pgvector")
    from hybridmem.adapters.embeddings.minilm import MiniLmEmbedder
    from hybridmem.adapters.postgres.messages import PostgresMessages
    from hybridmem.domain.errors import UpstreamUnavailable as Missing
    from hybridmem.domain.messages import NewMessage, Role

    try:
        embedder = MiniLmEmbedder()
    except Missing as exc:
        pytest.skip(f"MiniLM is not installed: {exc.message}")
    await PostgresUsers(database).ensure("u")
    messages = PostgresMessages(database, embedder)
    said = {
        "m1": "We adopted a beagle puppy last spring.",
        "m2": "The quarterly budget review ran late.",
        "m3": "I finally fixed the leaking kitchen tap.",
    }
    await messages.append(
        "u", "s", [NewMessage(message_id=k, role=Role.USER, content=v) for k, v in said.items()]
    )
    question = "Do I have any pets?"
    assert await PostgresMessages(database).search("u", question, limit=3) == []
    await messages.index("u", list(said.items()))
    [top, *_] = await messages.search("u", question, limit=3)
    assert top.message.message_id == "m1"
