"""Contract of ChatHistory/MessageJournal/MessageIndex and Outbox, run against PostgreSQL
(server, embedded) and the in-memory fakes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hybridmem.adapters.postgres.accounts import PostgresSessions, PostgresUsers
from hybridmem.adapters.postgres.messages import PostgresMessages
from hybridmem.adapters.postgres.outbox import PostgresOutbox
from hybridmem.domain.accounts import NewUser
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import JobStatus, NewJob
from hybridmem.domain.messages import NewMessage, Role
from tests.support.memory_fakes import UtcClock
from tests.support.message_fakes import InMemoryWorld


@dataclass
class Journal:
    messages: Any
    outbox: Any
    sessions: Any


@pytest.fixture
async def journal(implementation) -> Journal:
    if implementation is None:
        world = InMemoryWorld(UtcClock())  # leases run on the wall clock, as now() does
        ports = Journal(world.messages, world.outbox, world.sessions)
        users = world.users
    else:
        ports = Journal(
            PostgresMessages(implementation),
            PostgresOutbox(implementation),
            PostgresSessions(implementation),
        )
        users = PostgresUsers(implementation)
    await users.add(NewUser(user_id="u", email="u@example.com", password_hash="h"))
    return ports


@pytest.fixture
def user(journal) -> str:
    return "u"


def msg(i: int, role: Role = Role.USER) -> NewMessage:
    return NewMessage(message_id=f"m{i}", role=role, content=f"message {i}")


async def test_record_is_atomic_idempotent_and_ordered(journal, user):
    messages = journal.messages
    jobs = [NewJob(kind="extract", user_id=user, idempotency_key="extract:m1")]
    stored = await messages.record(user, "s", [msg(1), msg(2, Role.ASSISTANT)], jobs)
    assert [m.message_id for m in stored] == ["m1", "m2"]
    again = await messages.record(user, "s", [msg(1), msg(2, Role.ASSISTANT)], jobs)
    assert [m.message_id for m in again] == ["m1", "m2"]
    page = await messages.list(user, "s", limit=10, cursor=None)
    assert [m.content for m in page.items] == ["message 1", "message 2"]
    assert await journal.outbox.pending_count() == 1


async def test_record_for_an_unknown_user_is_not_found_and_stores_nothing(journal):
    messages = journal.messages
    with pytest.raises(NotFound):
        await messages.record(
            "ghost", "s", [msg(1)], [NewJob(kind="k", user_id="ghost", idempotency_key="k1")]
        )
    assert await journal.outbox.pending_count() == 0


async def test_pages_and_recent(journal, user):
    messages = journal.messages
    for i in range(7):
        await messages.append(user, "s", [msg(i)])
    seen, cursor = [], None
    while True:
        page = await messages.list(user, "s", limit=3, cursor=cursor)
        seen += [m.message_id for m in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"m{i}" for i in range(7)]
    assert [m.message_id for m in await messages.recent(user, "s", 2)] == ["m5", "m6"]
    assert (await messages.list(user, "other", limit=3, cursor=None)).items == []


async def test_occurred_at_is_kept_when_given(journal, user):
    when = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
    messages = journal.messages
    [stored] = await messages.append(
        user, "s", [NewMessage(message_id="old", role=Role.USER, content="x", occurred_at=when)]
    )
    assert stored.occurred_at == when


async def test_soft_deleted_session_is_restored_by_a_message_without_old_messages(journal, user):
    messages = journal.messages
    sessions = journal.sessions
    await messages.append(user, "s", [msg(1)])
    await sessions.delete(user, "s")
    with pytest.raises(NotFound):
        await sessions.get(user, "s")
    await messages.append(user, "s", [msg(2)])
    assert (await sessions.get(user, "s")).deleted_at is None
    page = await messages.list(user, "s", limit=10, cursor=None)
    assert [m.message_id for m in page.items] == ["m2"]


async def test_outbox_claims_in_per_user_order_with_leases(journal, user):
    outbox = journal.outbox
    await outbox.enqueue(
        [
            NewJob(kind="k", user_id=user, idempotency_key="a"),
            NewJob(kind="k", user_id=user, idempotency_key="b"),
            NewJob(kind="other", user_id=user, idempotency_key="c"),
            NewJob(kind="k", user_id="v", idempotency_key="d"),
        ]
    )
    assert await outbox.enqueue([NewJob(kind="k", user_id=user, idempotency_key="a")]) == 0
    claimed = await outbox.claim(limit=10, lease=timedelta(minutes=1))
    assert [job.idempotency_key for job in claimed] == ["a", "c", "d"]
    assert all(job.status is JobStatus.RUNNING and job.attempts == 1 for job in claimed)
    assert await outbox.claim(limit=10, lease=timedelta(minutes=1)) == []
    await outbox.complete(claimed[0].job_id)
    [next_job] = await outbox.claim(limit=10, lease=timedelta(minutes=1))
    assert next_job.idempotency_key == "b"


async def test_concurrent_claimers_never_share_a_job(journal, user):
    outbox = journal.outbox
    await outbox.enqueue(
        [NewJob(kind="k", user_id=f"user{i}", idempotency_key=f"j{i}") for i in range(30)]
    )
    batches = await asyncio.gather(
        *(outbox.claim(limit=4, lease=timedelta(minutes=1)) for _ in range(10))
    )
    keys = [job.idempotency_key for batch in batches for job in batch]
    assert len(keys) == len(set(keys)) == 30


async def test_expired_lease_makes_a_job_claimable_again(journal, user):
    outbox = journal.outbox
    await outbox.enqueue([NewJob(kind="k", user_id=user, idempotency_key="lease")])
    [first] = await outbox.claim(limit=1, lease=timedelta(milliseconds=1))
    await asyncio.sleep(0.01)
    [again] = await outbox.claim(limit=1, lease=timedelta(minutes=1))
    assert again.job_id == first.job_id
    assert again.attempts == 2


async def test_retry_bury_dead_and_revive(journal, user):
    outbox = journal.outbox
    await outbox.enqueue([NewJob(kind="k", user_id=user, idempotency_key="r")])
    [job] = await outbox.claim(limit=1, lease=timedelta(minutes=1))
    await outbox.retry(job.job_id, error="boom", run_after=datetime.now(UTC) + timedelta(hours=1))
    assert await outbox.claim(limit=1, lease=timedelta(minutes=1)) == []
    await outbox.bury(job.job_id, error="gave up")
    [dead] = await outbox.dead(limit=10)
    assert dead.last_error == "gave up"
    assert dead.status is JobStatus.DEAD
    assert await outbox.revive(job.job_id)
    assert not await outbox.revive(job.job_id)
    [revived] = await outbox.claim(limit=1, lease=timedelta(minutes=1))
    assert revived.attempts == 1


async def test_search_finds_messages_across_sessions_best_first(journal, user):
    messages = journal.messages
    await messages.append(
        user,
        "a",
        [
            NewMessage(message_id="x1", role=Role.USER, content="We adopted a puppy named Max"),
            NewMessage(message_id="x2", role=Role.USER, content="The weather is nice"),
        ],
    )
    await messages.append(
        user, "b", [NewMessage(message_id="x3", role=Role.USER, content="Max the puppy chewed it")]
    )
    found = await messages.search(user, "what is the puppy called?", limit=5)
    assert {hit.message.message_id for hit in found} == {"x1", "x3"}
    assert found[0].score >= found[1].score
    only_b = await messages.search(user, "puppy", limit=5, session_id="b")
    assert [hit.message.message_id for hit in only_b] == ["x3"]
    assert await messages.search("someone-else", "puppy", limit=5) == []


async def test_counts_of_pending_and_dead_jobs(journal, user):
    outbox = journal.outbox
    await outbox.enqueue(
        [NewJob(kind="k", user_id=f"c{i}", idempotency_key=f"c{i}") for i in range(3)]
    )
    [job, *_] = await outbox.claim(limit=1, lease=timedelta(minutes=1))
    await outbox.bury(job.job_id, error="x")
    assert (await outbox.pending_count(), await outbox.dead_count()) == (2, 1)


async def test_record_is_all_or_nothing_when_the_store_refuses_a_message(journal, user):
    messages = journal.messages
    job = NewJob(kind="extract", user_id=user, idempotency_key="extract:ok")
    nul_text = NewMessage(message_id="bad", role=Role.USER, content="a\x00b")
    nul_metadata = NewMessage(
        message_id="bad2", role=Role.USER, content="x", metadata={"k": "\x00"}
    )
    for bad in (nul_text, nul_metadata):
        with pytest.raises(InvalidInput):
            await messages.record(user, "s", [msg(1), bad], [job])
    assert (await messages.list(user, "s", limit=10, cursor=None)).items == []
    assert await journal.outbox.pending_count() == 0


async def test_a_message_id_is_stored_once_per_user(journal, user):
    messages = journal.messages
    [first] = await messages.append(user, "a", [msg(1)])
    [again] = await messages.append(user, "b", [NewMessage("m1", Role.USER, "other text")])
    assert again == first  # the stored message, in its own session
    assert (await messages.list(user, "b", limit=10, cursor=None)).items == []
    assert await messages.recent("v", "a", 10) == []  # another user's session reads as empty


async def test_forged_or_garbled_cursors_are_invalid_input(journal, user):
    from hybridmem.domain.pagination import encode_cursor

    await journal.messages.append(user, "s", [msg(1), msg(2)])
    for cursor in ("nonsense", encode_cursor("x"), encode_cursor(1, 2)):
        with pytest.raises(InvalidInput):
            await journal.messages.list(user, "s", limit=1, cursor=cursor)


async def test_search_weighs_rare_words_over_common_ones_and_skips_deleted_sessions(journal, user):
    messages = journal.messages
    common = [NewMessage(f"c{i}", Role.USER, f"Max went to the park, day {i}") for i in range(5)]
    await messages.append(user, "s", common)
    await messages.append(user, "s", [NewMessage("rare", Role.USER, "Max joined a support group")])
    await messages.append(user, "gone", [NewMessage("hidden", Role.USER, "support group again")])
    await journal.sessions.delete(user, "gone")
    found = await messages.search(user, "Max and the support group", limit=3)
    assert found[0].message.message_id == "rare"
    assert "hidden" not in {hit.message.message_id for hit in found}
    assert len(found) == 3
    assert await messages.search(user, "???", limit=3) == []


async def test_index_is_idempotent_and_harmless_without_semantic_search(journal, user):
    messages = journal.messages
    await messages.append(user, "s", [msg(1)])
    for _ in range(2):
        await messages.index(user, [("m1", "message 1"), ("unknown", "no such message")])
    await messages.index(user, [])
    [hit] = await messages.search(user, "message 1", limit=5)
    assert hit.message.message_id == "m1"


async def test_an_unfinished_earlier_job_holds_back_later_ones_of_its_user_and_kind(journal, user):
    outbox = journal.outbox
    keys = ["first", "second", "third"]
    await outbox.enqueue([NewJob(kind="k", user_id=user, idempotency_key=key) for key in keys])
    [first] = await outbox.claim(limit=10, lease=timedelta(minutes=1))
    later = datetime.now(UTC) + timedelta(hours=1)
    await outbox.retry(first.job_id, error="boom", run_after=later)
    assert await outbox.claim(limit=10, lease=timedelta(minutes=1)) == []  # order is kept
    await outbox.bury(first.job_id, error="x" * 5000)
    [second] = await outbox.claim(limit=10, lease=timedelta(minutes=1))
    assert second.idempotency_key == "second"  # a dead job no longer holds the queue
    await outbox.bury(second.job_id, error="second")
    dead = await outbox.dead(limit=10)
    assert [job.idempotency_key for job in dead] == ["second", "first"]  # newest burial first
    assert len(dead[1].last_error) <= 2000
    assert not await outbox.revive(10**9)
    assert (await outbox.pending_count(), await outbox.dead_count()) == (1, 2)


async def test_lookup_finds_live_messages_of_the_user_only(journal, user):
    messages = journal.messages
    await messages.append(user, "s", [msg(1)])
    await messages.append(user, "old", [msg(2)])
    found = await messages.get(user, "m1")
    assert (found.session_id, found.content) == ("s", "message 1")
    with pytest.raises(NotFound):
        await messages.get("v", "m1")
    with pytest.raises(NotFound):
        await messages.get(user, "m404")
    await journal.sessions.delete(user, "old")
    with pytest.raises(NotFound):
        await messages.get(user, "m2")


async def test_search_reads_the_speakers_name_with_the_message(journal, user):
    messages = journal.messages
    await messages.append(
        user,
        "s",
        [
            NewMessage("c1", Role.USER, "Yesterday I went to my pottery class", name="Caroline"),
            # shorter, so it would lead on the words alone
            NewMessage("m1", Role.USER, "A pottery class", name="Melanie"),
            NewMessage("m2", Role.USER, "Painting is my thing", name="Melanie"),
        ],
    )
    found = await messages.search(user, "What class did Caroline go to?", limit=3)
    assert [hit.message.message_id for hit in found] == ["c1", "m1"]


async def test_search_skips_a_word_in_most_of_a_long_history(journal, user):
    messages = journal.messages
    # a speaker's own history: their name is in every message, their friend's in most
    chatter = [
        NewMessage(f"g{i}", Role.USER, f"Hey Jon, lovely day number {i}", name="Gina")
        for i in range(24)
    ]
    await messages.append(user, "s", chatter)
    await messages.append(
        user, "s", [NewMessage("dance", Role.USER, "I opened a dance studio", name="Gina")]
    )
    found = await messages.search(user, "When did Gina tell Jon about the studio?", limit=5)
    assert [hit.message.message_id for hit in found] == ["dance"]
    assert await messages.search(user, "Gina and Jon", limit=5) == []


async def test_around_gives_each_message_its_window_of_its_own_session(journal, user):
    messages = journal.messages
    await messages.append(user, "a", [msg(i) for i in range(1, 6)])
    await messages.append(user, "b", [msg(6), msg(7)])
    await messages.append(user, "gone", [msg(8)])
    await journal.sessions.delete(user, "gone")
    windows = await messages.around(user, ["m1", "m3", "m6", "m8", "nope"], before=1, after=1)
    assert {key: [m.message_id for m in found] for key, found in windows.items()} == {
        "m1": ["m1", "m2"],
        "m3": ["m2", "m3", "m4"],
        "m6": ["m6", "m7"],  # never across sessions
    }
    assert await messages.around("someone-else", ["m1"], before=1, after=1) == {}
    assert await messages.around(user, [], before=1, after=1) == {}
    [only] = (await messages.around(user, ["m5"], before=0, after=0)).values()
    assert [m.message_id for m in only] == ["m5"]
