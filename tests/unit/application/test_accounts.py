"""Accounts and providers on the fakes: deleting an account takes the user's data and
leaves one deletion job per memory provider, committed with it; profile changes reach the
providers through jobs too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hybridmem.application.accounts import AccountService, Signup
from hybridmem.application.providers import ProviderDelivery, ProviderJobs
from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.accounts import User
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import JobKind
from hybridmem.domain.messages import Role
from tests.unit.application.conftest import account_service, job_worker, memory_app

PROVIDERS = ("zep", "mem0")


class InMemoryDirectory:
    """``UserDirectory`` in a dict: idempotent upserts and deletes."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.deleted: list[str] = []

    async def upsert_user(self, user: User) -> None:
        self.users[user.user_id] = user

    async def delete_user(self, user_id: str) -> None:
        self.users.pop(user_id, None)
        self.deleted.append(user_id)


@pytest.fixture
def accounts(world, clock) -> AccountService:
    return account_service(
        world,
        clock,
        outbox=world.outbox,
        provider_jobs=ProviderJobs(providers=PROVIDERS, ids=world.ids),
    )


@pytest.fixture
def directories() -> dict[str, InMemoryDirectory]:
    return {provider: InMemoryDirectory() for provider in PROVIDERS}


@pytest.fixture
def delivery(world, directories) -> ProviderDelivery:
    return ProviderDelivery(users=world.users, graph=world.graph, directories=directories)


def handlers(delivery: ProviderDelivery) -> dict:
    return {JobKind.SYNC_USER: delivery.sync_user, JobKind.DELETE_USER: delivery.delete_user}


async def test_signup_and_profile_changes_reach_every_provider(
    world, accounts, delivery, directories, clock
):
    user = await accounts.signup(
        Signup(email="ada@example.com", password="long enough", user_id="ada")
    )
    assert user.user_id == "ada"
    synced = [job.payload["provider"] for job in world.outbox.jobs(kind=JobKind.SYNC_USER)]
    assert sorted(synced) == sorted(PROVIDERS)
    clock.advance(seconds=1)
    await accounts.update_profile("ada", first_name="Ada")
    await job_worker(world, handlers(delivery)).drain()
    assert len(world.outbox.jobs(kind=JobKind.SYNC_USER)) == 4  # one per provider per change
    assert {p: d.users["ada"].first_name for p, d in directories.items()} == {
        "zep": "Ada",
        "mem0": "Ada",
    }


async def test_deleting_an_account_takes_its_data_and_queues_provider_deletions(
    world, accounts, delivery, directories
):
    await accounts.signup(Signup(email="ada@example.com", password="long enough", user_id="ada"))
    memory = memory_app(world)
    await memory.recorder.add_messages(
        "ada", "s", [IncomingMessage(role=Role.USER, content="I live in Oslo.")]
    )
    await job_worker(world, {JobKind.EXTRACT: memory.extraction.handle}).drain()
    assert await world.facts.current("ada")
    await memory.recorder.add_messages(
        "ada", "s", [IncomingMessage(role=Role.USER, content="I love chess.")]
    )

    await accounts.delete_account("ada")
    with pytest.raises(NotFound):
        await accounts.profile("ada")
    assert await world.facts.current("ada") == []
    assert (await world.graph.view("ada", as_of=None, include_invalidated=True)).relations == ()
    assert await world.messages.recent("ada", "s", 10) == []
    pending = [j for j in world.outbox.jobs() if j.status.value == "pending"]
    assert sorted((j.kind, j.payload["provider"]) for j in pending) == [
        (JobKind.DELETE_USER, "mem0"),
        (JobKind.DELETE_USER, "zep"),
    ]  # the unfinished extraction went with the account; the deletions came with it
    await job_worker(world, handlers(delivery)).drain()
    assert all(d.deleted == ["ada"] and "ada" not in d.users for d in directories.values())
    with pytest.raises(NotFound):
        await accounts.delete_account("ada")


async def test_provider_handlers_refuse_what_they_cannot_deliver(world, delivery):
    bad = await _claimed(world, JobKind.DELETE_USER, {"provider": "nobody"})
    with pytest.raises(InvalidInput):
        await delivery.delete_user(bad)
    gone = await _claimed(world, JobKind.SYNC_USER, {"provider": "zep"}, user="ghost")
    await delivery.sync_user(gone)  # a deleted user has nothing to sync: no error
    message = await _claimed(world, JobKind.DELIVER_MESSAGE, {"role": "user"})
    await delivery.deliver_message(message)  # no mirror configured: nothing to do


async def _claimed(world, kind: str, payload: dict, user: str = "u"):
    from hybridmem.domain.jobs import NewJob

    await world.outbox.enqueue(
        [NewJob(kind=kind, user_id=user, idempotency_key=f"{kind}:{user}", payload=payload)]
    )
    [job] = [
        j for j in await world.outbox.claim(limit=10, lease=timedelta(minutes=1)) if j.kind == kind
    ]
    return job
