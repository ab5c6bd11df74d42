"""Editing facts, business data and the memory views, on the fakes."""

from __future__ import annotations

import pytest

from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.facts import FactSource
from hybridmem.domain.jobs import JobKind, JobRouting
from hybridmem.domain.messages import Role
from hybridmem.domain.retrieval import FactEventKind
from tests.unit.application.conftest import memory_app


async def remembered(memory, worker, text: str) -> None:
    await memory.recorder.add_messages("u", "s", [IncomingMessage(role=Role.USER, content=text)])
    await worker.drain()


async def test_a_correction_is_normalized_described_and_recorded(world, memory, worker):
    await remembered(memory, worker, "I work at Acme.")
    [acme] = (await memory.editor.list("u", limit=10, cursor=None, include_invalidated=False)).items
    fixed = await memory.editor.correct("u", acme.fact_id, value="  the Globex corp. ", text=None)
    assert (fixed.value, fixed.text) == ("the Globex corp", "Works at the Globex corp")
    assert (fixed.source, fixed.confidence) == (FactSource.USER, 1.0)
    assert await memory.editor.get("u", acme.fact_id) == fixed
    [_, update] = await memory.editor.history("u", acme.fact_id)
    assert (update.kind, update.old["value"], update.new["value"]) == (
        FactEventKind.UPDATE,
        "Acme",
        "the Globex corp",
    )
    assert update.reason == "corrected by the user"
    worded = await memory.editor.correct("u", acme.fact_id, value=None, text="Works at Globex.")
    assert (worded.value, worded.text) == ("the Globex corp", "Works at Globex.")
    with pytest.raises(InvalidInput):
        await memory.editor.correct("u", acme.fact_id, value="!!!", text=None)


async def test_forgetting_a_fact_keeps_its_history_and_hides_it_from_others(world, memory, worker):
    await remembered(memory, worker, "I love chess.")
    [chess] = await world.facts.current("u")
    with pytest.raises(NotFound):
        await memory.editor.get("v", chess.fact_id)
    with pytest.raises(NotFound):
        await memory.editor.forget("v", chess.fact_id)
    await memory.editor.forget("u", chess.fact_id)
    with pytest.raises(NotFound):
        await memory.editor.get("u", chess.fact_id)
    kinds = [e.kind for e in await memory.editor.history("u", chess.fact_id)]
    assert kinds == [FactEventKind.ADD, FactEventKind.DELETE]


async def test_business_data_becomes_facts_and_an_episode_job(world):
    memory = memory_app(world, routing=JobRouting(business_data=(JobKind.DELIVER_EPISODE,)))
    plan = await memory.recorder.add_data(
        "u", {"city": "Lisbon", "tags": ["", None]}, episode_id="ep1"
    )
    [lisbon] = plan.added
    assert (lisbon.value, lisbon.source, lisbon.provenance) == ("Lisbon", FactSource.USER, ("ep1",))
    [job] = world.outbox.jobs(kind="graph.episode")
    assert (job.payload["episode_id"], job.payload["kind"]) == ("ep1", "json")
    await memory.recorder.add_data("u", {"city": "Lisbon"}, episode_id="ep1")  # a retry
    assert len(world.outbox.jobs()) == 1
    assert [f.value for f in await world.facts.current("u")] == ["Lisbon"]
    text_plan = await memory.recorder.add_data("u", "I have a cat named Tom.")
    assert [f.value for f in text_plan.added] == ["Tom"]


async def test_the_memory_view_lists_current_facts_first(world, memory, worker):
    await remembered(memory, worker, "I live in Delhi.")
    world.clock.advance(days=1)
    await remembered(memory, worker, "I moved to Mumbai. I love chess.")
    view = await memory.views.view("u", session_id="s", recent=2)
    assert {f.value for f in view.facts} == {"Delhi", "Mumbai", "chess"}
    lines = view.context.splitlines()
    assert set(lines[:2]) == {"- Lives in Mumbai", "- Likes chess"}  # current facts first
    assert lines[2].startswith("- Lives in Delhi (no longer true; held ")
    assert lines[3].endswith("user: I live in Delhi.")  # then the session's messages
    assert len(view.graph.relations) == 3
    assert [m.content for m in view.messages] == [
        "I live in Delhi.",
        "I moved to Mumbai. I love chess.",
    ]
    with pytest.raises(NotFound):
        await memory.views.view("u", session_id="nope")
    graph_now = await memory.views.graph("u", as_of=None, include_invalidated=False)
    assert len(graph_now.relations) == 2
