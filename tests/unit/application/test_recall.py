"""Recall on the fakes: sources read concurrently, failures skipped, items fused in order."""

from __future__ import annotations

from datetime import timedelta

from hybridmem.application.recall import RecallService, RecallSettings
from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.graph import (
    Entity,
    EntityType,
    GraphUpdate,
    Relation,
    RelationType,
    user_entity,
)
from hybridmem.domain.messages import Role
from hybridmem.domain.recall import ItemRef
from hybridmem.domain.stores import Store
from tests.unit.application.conftest import Outage


async def remembered(memory, worker, *texts: str) -> None:
    for text in texts:
        await memory.recorder.add_messages(
            "u", "s", [IncomingMessage(role=Role.USER, content=text)]
        )
        await worker.drain()


def recall_on(world, **ports) -> RecallService:
    options = {"facts": world.facts, "graph": world.graph, "history": world.messages}
    options.update(ports)
    return RecallService(**options, settings=RecallSettings(source_timeout_seconds=0.2))


async def test_items_come_in_fused_order_with_the_facts_behind_them(world, memory, worker, recall):
    await remembered(memory, worker, "I live in Delhi.", "I love chess and I live near the sea.")
    result = await recall.recall("u", "Where do I live?")
    assert result.sources_skipped == ()
    assert set(result.timings_ms) == {"facts", "graph", "history"}
    refs = [item.ref for item in result.items]
    assert refs[0].store is Store.FACTS  # a personal-fact question reads the facts first
    assert result.items[0].text == "Lives in Delhi"
    scores = [item.score for item in result.items]
    assert scores == sorted(scores, reverse=True)
    assert len(set(refs)) == len(refs)
    assert [hit.fact.fact_id for hit in result.facts] == [
        ref.item_id for ref in refs if ref.store is Store.FACTS
    ]
    assert result.relations == ()  # every relation mirrors a recalled fact
    assert any(ref.store is Store.HISTORY for ref in refs)
    assert result.context.text.splitlines()[0] == "- Lives in Delhi"


async def test_a_relation_without_a_fact_is_recalled_as_itself(world, recall, clock):
    me = user_entity("u")
    ada = Entity("u", "person:ada", "Ada", EntityType.PERSON, "sister")
    sister = Relation(
        "r-ada", "u", me.key, RelationType.HAS_FAMILY_MEMBER, ada.key, "Sister is Ada", clock.now()
    )
    await world.graph.apply("u", GraphUpdate((me, ada), (sister,)))
    result = await recall.recall("u", "Who is my sister?")
    assert [item.ref for item in result.items] == [ItemRef(Store.GRAPH, "r-ada")]
    [hit] = result.relations
    assert (hit.relation, hit.target.name) == (sister, "Ada")
    assert result.facts == ()


async def test_a_failing_or_hanging_source_is_skipped_not_fatal(world, memory, worker):
    await remembered(memory, worker, "I live in Delhi.")
    broken = recall_on(world, graph=Outage(world.graph, "search"))
    result = await broken.recall("u", "Where do I live?")
    assert result.sources_skipped == (Store.GRAPH,)
    assert result.items[0].text == "Lives in Delhi"
    hanging = recall_on(
        world, facts=Outage(world.facts, "search", hang=True), graph=Outage(world.graph, "search")
    )
    result = await hanging.recall("u", "Where do I live?")
    assert result.sources_skipped == (Store.FACTS, Store.GRAPH)  # sorted
    assert [item.store for item in result.items] == [Store.HISTORY]
    assert result.facts == ()


async def test_limit_budget_and_small_talk(world, memory, worker, recall):
    await remembered(memory, worker, "I live in Delhi.", "I love chess.")
    assert len((await recall.recall("u", "Where do I live?", limit=1)).items) == 1
    assert (await recall.recall("u", "Where do I live?", budget_tokens=0)).items == ()
    chit_chat = await recall.recall("u", "hi")
    assert (chit_chat.items, chit_chat.plan.sources) == ((), ())
    assert (await recall.recall("v", "Where do I live?")).items == ()  # nobody else's memory


async def test_temporal_questions_see_what_no_longer_holds(world, memory, worker, recall, clock):
    await remembered(memory, worker, "I live in Delhi.")
    clock.advance(days=40)
    await remembered(memory, worker, "I moved to Mumbai.")
    now = await recall.recall("u", "Where do I live?")
    assert "Lives in Delhi" not in [item.text for item in now.items if item.store is Store.FACTS]
    before = await recall.recall("u", "Where did I live before?")
    closed = [item for item in before.items if item.valid_to is not None]
    assert [item.text for item in closed] == ["Lives in Delhi"]
    assert closed[0].valid_to - closed[0].occurred_at == timedelta(days=40)


async def test_a_recalled_message_comes_with_the_next_one_of_its_session(world, memory, worker):
    from hybridmem.domain.units import TurnWindow

    await memory.recorder.add_messages(
        "u",
        "s",
        [
            IncomingMessage(role=Role.ASSISTANT, content="How did the kids take the accident?"),
            IncomingMessage(role=Role.USER, content="They were scared but resilient."),
        ],
    )
    await worker.drain()
    units = RecallService(
        facts=world.facts,
        graph=world.graph,
        history=world.messages,
        context=world.messages,
        settings=RecallSettings(turns=TurnWindow(after=1)),
    )
    result = await units.recall("u", "How did the kids handle the accident?")
    [unit] = [item for item in result.items if item.store is Store.HISTORY]
    assert unit.text == "How did the kids take the accident?"
    assert [part.text for part in unit.after] == ["They were scared but resilient."]
    assert len(unit.provenance) == 2
    assert "They were scared but resilient." in result.context.text
    assert "turns" in result.timings_ms
    # without its neighbours (the read fails) a message still comes alone
    broken = RecallService(
        facts=world.facts,
        graph=world.graph,
        history=world.messages,
        context=Outage(world.messages, "around"),
        settings=RecallSettings(turns=TurnWindow(after=1), source_timeout_seconds=0.2),
    )
    alone = await broken.recall("u", "How did the kids handle the accident?")
    [message] = [item for item in alone.items if item.store is Store.HISTORY]
    assert message.after == ()
    assert message.provenance == (unit.ref.item_id,)
    assert alone.sources_skipped == (Store.HISTORY,)
