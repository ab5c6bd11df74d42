"""PortabilityService on the in-memory archive: the streamed document, the jobs an
import enqueues, and errors before the first byte."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from hybridmem.application.portability import CHUNK_BYTES, PortabilityService
from hybridmem.application.worker import JobBell
from hybridmem.domain.errors import NotFound
from hybridmem.domain.jobs import JobKind, JobRouting
from hybridmem.domain.portability import SECTIONS, InvalidDocument, MessageRecord
from hybridmem.domain.portability_parsing import parse_document
from tests.support.fakes import FrozenClock, InMemoryUsers
from tests.support.portability_fakes import InMemoryMemoryArchive
from tests.support.portability_samples import at, sample_document


@pytest.fixture
async def world():
    clock = FrozenClock()
    users = InMemoryUsers(clock)
    await users.ensure("me")
    archive = InMemoryMemoryArchive(users)
    bell = JobBell()
    service = PortabilityService(
        archive=archive,
        routing=JobRouting(every_message=(JobKind.INDEX, JobKind.DELIVER_MESSAGE)),
        clock=clock,
        bell=bell,
    )
    return service, archive, bell


async def body_of(service, user_id: str) -> tuple[list[bytes], dict]:
    chunks = [chunk async for chunk in await service.export(user_id)]
    return chunks, json.loads(b"".join(chunks))


async def test_an_empty_account_is_a_complete_document(world):
    service, _, _ = world
    chunks, body = await body_of(service, "me")
    assert len(chunks) == 1
    assert body["format"] == "hybridmem.export"
    assert all(body[name] == [] for name in SECTIONS)
    assert parse_document(body).owner == "me"


async def test_sections_missing_in_between_are_written_empty(world):
    service, _, _ = world
    document = sample_document("me")
    await service.import_document("me", replace(document, messages=(), facts=()).to_json())
    _, body = await body_of(service, "me")
    assert body["messages"] == []
    assert body["facts"] == []
    assert len(body["relations"]) == 2


async def test_a_large_export_comes_in_bounded_chunks(world):
    service, _, _ = world
    document = sample_document("me")
    many = tuple(
        MessageRecord(f"m{i}", "s1", "user", None, "words " * 200, {}, at(i), at(i), None)
        for i in range(200)
    )
    await service.import_document("me", replace(document, messages=many).to_json())
    chunks, body = await body_of(service, "me")
    assert len(chunks) > 3
    assert all(len(chunk) < CHUNK_BYTES + 4096 for chunk in chunks)
    assert [m["message_id"] for m in body["messages"]] == [f"m{i}" for i in range(200)]


async def test_import_enqueues_the_write_paths_jobs_for_live_messages_only(world):
    service, archive, bell = world
    document = sample_document("old")
    degenerate = MessageRecord(
        "m-bad", "s1", "assistant", None, "...", {"degenerate": True}, at(9), at(9), None
    )
    report = await service.import_document(
        "me", replace(document, messages=(*document.messages, degenerate)).to_json()
    )
    # m1, m2, m3 live; m-old is deleted, m-bad was a replaced reply: two kinds each
    assert report.jobs == 6
    assert bell.rung
    assert {job.kind for job in archive.jobs.values()} == {"memory.index", "history.deliver"}
    assert {job.user_id for job in archive.jobs.values()} == {"me"}
    assert not any("m-old" in key or "m-bad" in key for key in archive.jobs)
    again = await service.import_document("me", json.dumps(document.to_json()).encode())
    assert again.jobs == 0


async def test_errors_come_before_the_first_byte(world):
    service, _, _ = world
    with pytest.raises(NotFound):
        await service.export("nobody")
    with pytest.raises(InvalidDocument) as refused:
        await service.import_document("me", b"\xff not json")
    assert refused.value.details == {"path": "$", "rule": "json"}
    with pytest.raises(InvalidDocument) as deep:
        await service.import_document("me", b"[" * 100_000 + b"]" * 100_000)
    assert deep.value.details["path"] == "$"


async def test_a_changed_profile_is_synced_to_the_providers_once(world):
    _, archive, _ = world
    service = PortabilityService(
        archive=archive, routing=JobRouting(providers=("zep", "mem0")), clock=FrozenClock()
    )
    document = sample_document("old").to_json()
    assert (await service.import_document("me", document)).jobs == 2
    assert sorted(job.kind for job in archive.jobs.values()) == ["provider.user_sync"] * 2
    assert (await service.import_document("me", document)).jobs == 0
