"""Recording messages: messages and their jobs commit together, once."""

from __future__ import annotations

import pytest

from hybridmem.application.recording import IncomingMessage
from hybridmem.application.worker import JobBell
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import JobKind, JobRouting
from hybridmem.domain.messages import Role
from tests.unit.application.conftest import memory_app

STATEMENT = "I live in Delhi and I have a dog named Bruno."


def turn(*texts: str) -> list[IncomingMessage]:
    roles = [Role.USER, Role.ASSISTANT]
    return [
        IncomingMessage(role=roles[i % 2], content=text, message_id=f"m{i}")
        for i, text in enumerate(texts)
    ]


async def test_messages_and_their_extraction_jobs_are_recorded_together(world, memory):
    stored = await memory.recorder.add_messages("u", "s", turn(STATEMENT, "Nice to meet you!"))
    assert [(m.message_id, m.role) for m in stored] == [("m0", Role.USER), ("m1", Role.ASSISTANT)]
    assert all(m.occurred_at == world.clock.now() for m in stored)
    [job] = world.outbox.jobs()
    assert (job.kind, job.user_id, job.idempotency_key) == (
        JobKind.EXTRACT,
        "u",
        f"{JobKind.EXTRACT}:u:m0",
    )
    assert job.payload["content"] == STATEMENT
    assert job.payload["session_id"] == "s"
    history = await memory.views.history("u", "s", limit=10, cursor=None)
    assert [m.content for m in history.items] == [STATEMENT, "Nice to meet you!"]


async def test_a_retried_call_records_nothing_twice(world, memory):
    first = await memory.recorder.add_messages("u", "s", turn(STATEMENT))
    world.clock.advance(seconds=5)
    again = await memory.recorder.add_messages("u", "s", turn(STATEMENT))
    assert again == first
    assert len(world.outbox.jobs()) == 1
    assert len((await memory.views.history("u", "s", limit=10, cursor=None)).items) == 1


async def test_only_first_person_statements_of_the_user_are_extracted(world, memory):
    await memory.recorder.add_messages(
        "u",
        "s",
        [
            IncomingMessage(role=Role.USER, content="Where do I live?"),
            IncomingMessage(role=Role.ASSISTANT, content="I live in the cloud."),
            IncomingMessage(role=Role.USER, content="hi"),
            IncomingMessage(role=Role.USER, content="I work at Acme."),
        ],
    )
    [job] = world.outbox.jobs()
    assert job.payload["content"] == "I work at Acme."
    assert job.payload["message_id"].startswith("msg_")  # generated ids


async def test_delivery_jobs_carry_every_message_for_the_mirror(world):
    bell = JobBell()
    memory = memory_app(
        world, routing=JobRouting(every_message=(JobKind.DELIVER_MESSAGE,)), bell=bell
    )
    await memory.recorder.add_messages("u", "s", turn(STATEMENT, "Hello Bruno's human"))
    deliveries = world.outbox.jobs(kind=JobKind.DELIVER_MESSAGE)
    assert [(j.payload["message_id"], j.payload["role"]) for j in deliveries] == [
        ("m0", "user"),
        ("m1", "assistant"),
    ]
    assert len(world.outbox.jobs(kind=JobKind.EXTRACT)) == 1
    assert bell.rung


async def test_bad_ids_and_unknown_users_record_nothing(world, memory):
    with pytest.raises(InvalidInput):
        await memory.recorder.add_messages("u", "bad session!", turn(STATEMENT))
    with pytest.raises(InvalidInput):
        await memory.recorder.add_messages(
            "u", "s", [IncomingMessage(role=Role.USER, content="x", message_id="no spaces")]
        )
    with pytest.raises(NotFound):
        await memory.recorder.add_messages("ghost", "s", turn(STATEMENT))
    assert world.outbox.jobs() == []
    with pytest.raises(NotFound):  # the session was never created
        await memory.views.history("u", "s", limit=10, cursor=None)


async def test_a_message_restores_a_deleted_session_without_its_old_messages(world, memory):
    await memory.recorder.add_messages("u", "s", turn("old news"))
    await world.sessions.delete("u", "s")
    with pytest.raises(NotFound):
        await memory.views.history("u", "s", limit=10, cursor=None)
    await memory.recorder.add_messages(
        "u", "s", [IncomingMessage(role=Role.USER, content="fresh start")]
    )
    page = await memory.views.history("u", "s", limit=10, cursor=None)
    assert [m.content for m in page.items] == ["fresh start"]
    assert [m.content for m in await memory.views.recent("u", "s", 5)] == ["fresh start"]


async def test_history_pages_through_every_message_once(world, memory):
    texts = [f"note {i}" for i in range(7)]
    await memory.recorder.add_messages("u", "s", [IncomingMessage(Role.USER, t) for t in texts])
    seen, cursor = [], None
    while True:
        page = await memory.views.history("u", "s", limit=3, cursor=cursor)
        seen += [m.content for m in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == texts
    assert [m.content for m in await memory.views.recent("u", "s", 2)] == texts[-2:]
