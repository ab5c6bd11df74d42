"""Consolidation on the fakes: the graph's facts reach the fact memory, duplicates merge,
superseded values close, in one plan; a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hybridmem.application.consolidation import ConsolidationService
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.consolidation import DecisionKind
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.domain.facts import Fact, FactSource, make_candidate
from hybridmem.domain.graph import (
    Entity,
    EntityType,
    GraphUpdate,
    Relation,
    RelationType,
    facts_to_graph,
)
from hybridmem.domain.retrieval import FactEventKind
from hybridmem.domain.temporal import TemporalAction, TemporalDecision, TemporalPlan
from tests.unit.application.conftest import Outage


def stored(fact_id: str, attribute: Attribute, value: str, when, message: str) -> Fact:
    candidate = make_candidate(attribute, value, observed_at=when, message_id=message)
    assert candidate is not None
    return candidate.to_fact(fact_id=fact_id, user_id="u")


async def put(world, *facts: Fact) -> None:
    """Write facts as a store that lost its dedupe would (straight ADDs)."""
    plan = TemporalPlan(tuple(TemporalDecision(TemporalAction.ADD, f, None, "test") for f in facts))
    await world.facts.apply("u", plan)


@pytest.fixture
def service(world) -> ConsolidationService:
    return ConsolidationService(facts=world.facts, graph=world.graph, graph_source=FactSource.ZEP)


async def test_duplicates_merge_and_superseded_values_close_once(world, service, clock):
    t0 = clock.now()
    await put(
        world,
        stored("f1", Attribute.LIKES, "Chess", t0, "m1"),
        stored("f2", Attribute.LIKES, "chess!", t0 + timedelta(days=1), "m2"),
        stored("f3", Attribute.LOCATION, "Delhi", t0, "m3"),
        stored("f4", Attribute.LOCATION, "Mumbai", t0 + timedelta(days=5), "m4"),
    )
    dry = await service.run("u", dry_run=True)
    assert dry.changed
    assert (dry.added, dry.updated, dry.deleted) == (0, 0, 0)
    assert len(await world.facts.current("u")) == 4  # a dry run writes nothing

    report = await service.run("u", dry_run=False)
    kinds = {d.fact.fact_id: d.kind for d in report.decisions}
    assert kinds == {
        "f1": DecisionKind.MERGE,
        "f3": DecisionKind.INVALIDATE,
        "f4": DecisionKind.KEEP,
    }
    assert (report.added, report.updated, report.deleted) == (0, 2, 1)
    current = {f.fact_id: f for f in await world.facts.current("u")}
    assert set(current) == {"f1", "f4"}
    assert set(current["f1"].provenance) == {"m1", "m2"}
    delhi = await world.facts.get("u", "f3")
    assert (delhi.valid_to, delhi.superseded_by) == (t0 + timedelta(days=5), "f4")
    assert [e.kind for e in await world.facts.history("u", "f2")][-1] is FactEventKind.DELETE
    assert [e.kind for e in await world.facts.history("u", "f3")][-1] is FactEventKind.INVALIDATE
    assert [e.kind for e in await world.facts.history("u", "f1")][-1] is FactEventKind.UPDATE

    again = await service.run("u", dry_run=False)
    assert not again.changed
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)


async def test_what_only_the_graph_knows_is_added_to_the_fact_memory(world, service, clock):
    t0 = clock.now()
    # A provider's graph: its own node for the user, its own ids.
    me = Entity("u", "zep-user-node", "Asha", EntityType.USER)
    oslo = Entity("u", "zep-oslo", "Oslo", EntityType.PLACE)
    lives = Relation(
        "zep-edge-1", "u", me.key, RelationType.LIVES_IN, oslo.key, "Lives in Oslo", t0
    )
    await world.graph.apply("u", GraphUpdate((me, oslo), (lives,)))
    known = stored("f1", Attribute.LIKES, "jazz", t0, "m1")
    await put(world, known)
    await world.graph.apply("u", facts_to_graph([known]))  # the local mirror of f1
    report = await service.run("u", dry_run=False)
    assert report.added == 1
    [added] = [f for f in await world.facts.current("u") if f.attribute is Attribute.LOCATION]
    assert (added.fact_id, added.value, added.source) == (
        "graph:zep-edge-1",
        "Oslo",
        FactSource.ZEP,
    )
    assert [e.kind for e in await world.facts.history("u", added.fact_id)] == [FactEventKind.ADD]
    keeps = [d for d in report.decisions if d.kind is DecisionKind.KEEP and d.same_as]
    assert [d.same_as for d in keeps] == ["f1"]
    assert not (await service.run("u", dry_run=False)).changed


async def test_a_failed_write_is_reported_not_swallowed(world, clock):
    t0 = clock.now()
    await put(
        world,
        stored("f1", Attribute.LIKES, "Chess", t0, "m1"),
        stored("f2", Attribute.LIKES, "chess", t0, "m2"),
    )
    broken = ConsolidationService(
        facts=Outage(world.facts, "apply"), graph=world.graph, graph_source=FactSource.ZEP
    )
    with pytest.raises(UpstreamUnavailable):
        await broken.run("u", dry_run=False)
    assert {f.fact_id for f in await world.facts.current("u")} == {"f1", "f2"}
