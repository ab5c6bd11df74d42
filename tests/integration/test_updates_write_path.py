"""Corrections and changes through the real write path (recorder → outbox → extraction job
→ temporal rules → PostgreSQL fact store and graph), read back as chat would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import hybridmem

_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _said(content: str, minutes: int) -> dict[str, object]:
    return {"role": "user", "content": content, "occurred_at": _START + timedelta(minutes=minutes)}


async def test_a_correction_replaces_the_slip_and_keeps_no_history_of_it(database):
    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=2, memory_source_timeout_seconds=30
    ) as memory:
        await memory.add_messages("fixer", "s", [_said("I live in Leicester.", 0)])
        await memory.add_messages("fixer", "s", [_said("sorry, I meant Leeds, not Leicester", 1)])
        view = await memory.view("fixer")
        locations = {f.value: f for f in view.facts if f.attribute.value == "location"}
        assert set(locations) == {"Leeds"}
        assert locations["Leeds"].is_current
        # the corrected value held from when the wrong one was said
        assert locations["Leeds"].valid_from == _START
        assert not any("Leicester" in r.fact for r in view.graph.relations)
        assert any("Leeds" in r.fact for r in view.graph.relations)
        before = await memory.recall("fixer", "Where did I live before?")
        remembered = [item for item in before.items if item.store.value != "history"]
        assert remembered
        assert not any("Leicester" in item.text for item in remembered)


async def test_a_like_turned_dislike_closes_the_like(database):
    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=2, memory_source_timeout_seconds=30
    ) as memory:
        await memory.add_messages("taste", "s", [_said("I love coffee.", 0)])
        await memory.add_messages("taste", "s", [_said("I don't like coffee anymore", 60)])
        view = await memory.view("taste")
        preferences = {(f.attribute.value, f.value): f for f in view.facts}
        like, dislike = preferences[("likes", "coffee")], preferences[("dislikes", "coffee")]
        assert dislike.is_current
        assert not like.is_current
        assert like.superseded_by == dislike.fact_id
        recall = await memory.recall("taste", "Do I like coffee?")
        assert recall.items[0].text == dislike.text


async def test_questions_about_the_past_rank_closed_facts_first(database):
    async with hybridmem.open_memory(
        database.dsn, db_pool_max_size=2, memory_source_timeout_seconds=30
    ) as memory:
        await memory.add_messages("mover", "s", [_said("I live in Cardiff.", 0)])
        await memory.add_messages("mover", "s", [_said("I'm based in Bristol now", 60)])
        before = await memory.recall("mover", "Where did I live before?")
        assert "Cardiff" in before.items[0].text
        assert before.items[0].valid_to is not None
        now = await memory.recall("mover", "Where do I live?")
        assert "Bristol" in now.items[0].text
