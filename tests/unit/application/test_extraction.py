"""The extraction job: rule extraction → temporal rules → facts and graph; retries are safe."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.graph import RelationType
from hybridmem.domain.jobs import Job, JobKind, JobRouting, JobStatus
from hybridmem.domain.messages import Role
from hybridmem.domain.retrieval import FactEventKind
from tests.support.fakes import TrigramEmbedder
from tests.support.message_fakes import InMemoryWorld
from tests.unit.application.conftest import Outage, job_worker, memory_app


async def say(memory, text: str, message_id: str) -> None:
    await memory.recorder.add_messages(
        "u", "s", [IncomingMessage(role=Role.USER, content=text, message_id=message_id)]
    )


async def test_an_extraction_job_writes_facts_and_the_graph(world, memory, worker):
    await say(memory, "I live in Delhi and I have a dog named Bruno.", "m1")
    assert await worker.run_once() == 1
    facts = {f.value: f for f in await world.facts.current("u")}
    assert set(facts) == {"Delhi", "Bruno"}
    assert facts["Bruno"].qualifier == "dog"
    assert facts["Delhi"].provenance == ("m1",)
    assert facts["Delhi"].valid_from == world.clock.now()
    view = await world.graph.view("u", as_of=None, include_invalidated=False)
    assert {(r.relation_type, r.target_key) for r in view.relations} == {
        (RelationType.LIVES_IN, "place:delhi"),
        (RelationType.HAS_PET, "pet:bruno:dog"),
    }
    assert await world.outbox.pending_count() == 0


async def test_a_new_value_closes_the_old_one_in_both_memories(world, memory, worker):
    await say(memory, "I live in Delhi.", "m1")
    await worker.drain()
    moved_at = world.clock.now() + timedelta(days=30)
    world.clock.advance(days=30)
    await say(memory, "I moved to Mumbai.", "m2")
    await worker.drain()
    [mumbai] = await world.facts.current("u")
    assert mumbai.value == "Mumbai"
    page = await world.facts.list("u", limit=10, cursor=None, include_invalidated=True)
    delhi = next(f for f in page.items if f.value == "Delhi")
    assert (delhi.valid_to, delhi.superseded_by) == (moved_at, mumbai.fact_id)
    kinds = [e.kind for e in await world.facts.history("u", delhi.fact_id)]
    assert kinds == [FactEventKind.ADD, FactEventKind.INVALIDATE]
    before = await world.graph.view(
        "u", as_of=moved_at - timedelta(days=1), include_invalidated=False
    )
    assert [r.target_key for r in before.relations] == ["place:delhi"]
    now = await world.graph.view("u", as_of=None, include_invalidated=False)
    assert [r.target_key for r in now.relations] == ["place:mumbai"]


async def test_running_a_job_again_changes_nothing(world, memory, worker):
    await say(memory, "I live in Delhi and I love chess.", "m1")
    [job] = world.outbox.jobs()
    await memory.extraction.handle(job)
    facts = await world.facts.current("u")
    graph = await world.graph.view("u", as_of=None, include_invalidated=True)
    events = [await world.facts.history("u", f.fact_id) for f in facts]
    await memory.extraction.handle(job)  # a redelivery after a lost acknowledgement
    await worker.drain()
    assert await world.facts.current("u") == facts
    assert await world.graph.view("u", as_of=None, include_invalidated=True) == graph
    assert [await world.facts.history("u", f.fact_id) for f in facts] == events


async def test_a_failed_extraction_is_retried_and_then_writes_once(world):
    down = Outage(world.facts, "apply", times=1)
    memory = memory_app(world, facts=down)
    worker = job_worker(world, {JobKind.EXTRACT: memory.extraction.handle})
    await say(memory, "I work at Acme.", "m1")
    await worker.run_once()
    [job] = world.outbox.jobs()
    assert (job.status, job.attempts, down.failures) == (JobStatus.PENDING, 1, 1)
    assert await world.facts.current("u") == []
    world.clock.advance(seconds=1)  # the first retry waits one second
    await worker.run_once()
    assert [f.value for f in await world.facts.current("u")] == ["Acme"]
    assert world.outbox.jobs()[0].status is JobStatus.DONE


async def test_a_retry_repairs_a_graph_write_that_failed_after_the_facts(world):
    graph = Outage(world.graph, "apply", times=1)
    memory = memory_app(world, graph=graph)
    worker = job_worker(world, {JobKind.EXTRACT: memory.extraction.handle})
    await say(memory, "I live in Delhi.", "m1")
    await worker.run_once()
    assert [f.value for f in await world.facts.current("u")] == ["Delhi"]
    world.clock.advance(seconds=1)
    await worker.run_once()
    view = await world.graph.view("u", as_of=None, include_invalidated=False)
    assert [r.target_key for r in view.relations] == ["place:delhi"]


async def test_a_malformed_job_is_refused_as_invalid_input(world, memory):
    job = Job(1, JobKind.EXTRACT, "u", "k", {"content": "I live in Rome."}, JobStatus.RUNNING, 1,
              None, world.clock.now(), world.clock.now())  # fmt: skip
    with pytest.raises(InvalidInput):
        await memory.extraction.handle(job)
    with pytest.raises(InvalidInput):
        await memory.indexing.handle(job)


async def test_the_indexing_job_makes_messages_findable_by_spelling(clock):
    world = InMemoryWorld(clock, embedder=TrigramEmbedder())
    await world.add_users(["u"])
    # as with embeddings on
    memory = memory_app(world, routing=JobRouting(every_message=(JobKind.INDEX,)))
    worker = job_worker(world, {JobKind.INDEX: memory.indexing.handle})
    await say(memory, "Our puppy Maximilian chewed the sofa", "m1")
    assert await world.messages.search("u", "Maximillian", limit=5) == []
    await worker.drain()
    assert world.messages.indexed("u") == {"m1"}
    [hit] = await world.messages.search("u", "Maximillian", limit=5)
    assert hit.message.message_id == "m1"
