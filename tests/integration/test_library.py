"""The library API, exactly as docs/library.md shows it."""

from __future__ import annotations

import hybridmem
from tests.conftest import DatabaseRegistry


async def test_library_walkthrough(database, test_databases: DatabaseRegistry):
    # a generous source bound: the 2 s default could skip one on a loaded machine
    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=2, memory_source_timeout_seconds=30
    ) as memory:
        await memory.add_messages(
            "user123",
            "chat-1",
            [
                {"role": "user", "content": "I live in Delhi and like chess."},
                {"role": "assistant", "content": "Nice! Delhi has a strong chess scene."},
            ],
        )
        [top, *_] = await memory.search("user123", "Where do I live?")
        assert top.fact.value == "Delhi"
        assert top.fact.provenance

        await memory.add_messages(
            "user123",
            "chat-1",
            [
                {
                    "role": "user",
                    "content": "I moved to Mumbai",
                    "occurred_at": top.fact.valid_from.replace(year=top.fact.valid_from.year + 1),
                }
            ],
        )
        recall = await memory.recall("user123", "Where did I live before?")
        assert "Delhi" in recall.context.text
        assert recall.sources_skipped == ()

        view = await memory.view("user123", session_id="chat-1")
        locations = {f.value: f.valid_to for f in view.facts if f.attribute.value == "location"}
        assert locations["Mumbai"] is None
        assert locations["Delhi"] is not None
        assert len(view.messages) == 3

        report = await memory.consolidate("user123", dry_run=True)
        assert not report.changed

        history = await memory.history("user123", "chat-1")
        assert [m.role.value for m in history.items] == ["user", "assistant", "user"]

        await memory.forget_user("user123")
        assert await memory.search("user123", "Where do I live?") == []


async def test_retrieve_ranks_every_memory_with_provenance(database):
    # a generous source bound: the 2 s default could skip one on a loaded machine
    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=2, memory_source_timeout_seconds=30
    ) as memory:
        await memory.add_messages(
            "ret",
            "s1",
            [
                {"role": "user", "content": "I live in Delhi.", "message_id": "D1:1"},
                {
                    "role": "user",
                    "content": "We went hiking at Triund last weekend.",
                    "message_id": "D1:2",
                },
                {"role": "user", "content": "My sister Priya got married.", "message_id": "D1:3"},
            ],
        )
        hiking = await memory.retrieve("ret", "Where did I go hiking?", limit=3)
        # the message, and the next one of its session (a context unit) that it shows
        assert hiking[0].provenance == ("D1:2", "D1:3")
        assert hiking[0].ref.item_id == "D1:2"
        assert hiking[0].store.value == "history"
        home = await memory.retrieve("ret", "Where do I live?", limit=3)
        assert "D1:1" in {p for item in home for p in item.provenance}
        assert [item.score for item in home] == sorted((i.score for i in home), reverse=True)


async def test_import_facts_adds_each_normalised_fact_and_skips_the_rejected(database):
    from datetime import UTC, datetime

    async with hybridmem.open_memory(database.dsn, db_pool_max_size=2) as memory:
        when = datetime(2024, 1, 1, tzinfo=UTC)
        added = await memory.import_facts(
            "bulk",
            [
                {"attribute": "likes", "value": "chess", "observed_at": when},
                {"attribute": "hobbies", "value": "sailing", "observed_at": when},
                {"attribute": "likes", "value": "   ", "observed_at": when},
            ],
        )
        facts = (await memory.view("bulk")).facts
        await memory.forget_user("bulk")
    assert added == 2
    assert sorted((f.attribute.value, f.value) for f in facts) == [
        ("hobbies", "sailing"),
        ("likes", "chess"),
    ]


async def test_library_export_and_import(database):
    import json

    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=2, memory_source_timeout_seconds=30
    ) as memory:
        await memory.add_messages("lib-a", "c1", [{"role": "user", "content": "I live in Oslo."}])
        body = b"".join([chunk async for chunk in await memory.export_memory("lib-a")])
        document = json.loads(body)
        assert [f["value"] for f in document["facts"]] == ["Oslo"]
        await memory.forget_user("lib-a")
        report = await memory.import_memory("lib-b", body)
        assert report.added["facts"] == 1
        assert (await memory.import_memory("lib-b", document)).added["facts"] == 0
        [top, *_] = await memory.search("lib-b", "Where do I live?")
        assert top.fact.value == "Oslo"
