"""Contract of MemoryArchive (export / import), run against PostgreSQL (server and
embedded) and the in-memory fake."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest

from hybridmem.adapters.postgres.accounts import PostgresUsers
from hybridmem.adapters.postgres.portability import PostgresMemoryArchive
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import JobKind, MessageJob, ProviderJob
from hybridmem.domain.messages import NewMessage, Role
from hybridmem.domain.portability import (
    SECTIONS,
    ArchiveDocument,
    ForeignAccount,
    ProfileRecord,
    rehome,
)
from tests.support.fakes import InMemoryUsers
from tests.support.portability_fakes import InMemoryMemoryArchive
from tests.support.portability_samples import at, sample_document


@dataclass
class Archive:
    archive: Any
    users: Any


@pytest.fixture
async def store(implementation, clock) -> Archive:
    if implementation is None:
        users = InMemoryUsers(clock)
        archive: Any = InMemoryMemoryArchive(users)
    else:
        users = PostgresUsers(implementation)
        archive = PostgresMemoryArchive(implementation)
    for user in ("u", "v"):
        await users.ensure(user)
    return Archive(archive, users)


async def exported(archive, user_id: str, page_size: int = 500) -> tuple[ProfileRecord, dict]:
    sections: dict[str, list] = {name: [] for name in SECTIONS}
    profile = None
    async for item in archive.export(user_id, page_size=page_size):
        if isinstance(item, ProfileRecord):
            assert profile is None, "the profile comes once, first"
            profile = item
        else:
            assert profile is not None, "the profile comes first"
            section, record = item
            sections[section].append(record)
    assert profile is not None
    return profile, sections


def sections_of(document: ArchiveDocument) -> dict[str, list]:
    return {name: list(document.section(name)) for name in SECTIONS}


def index_jobs(user_id: str, document: ArchiveDocument) -> dict[str, list]:
    return {
        m.message_id: [
            MessageJob(
                m.session_id,
                NewMessage(
                    m.message_id, Role(m.role), m.content, m.name, m.occurred_at, m.metadata
                ),
            ).job(JobKind.INDEX, user_id)
        ]
        for m in document.messages
    }


async def restore(store: Archive, user_id: str, document: ArchiveDocument, owner=None, jobs=None):
    return await store.archive.restore(
        user_id,
        rehome(document, user_id),
        original_owner=owner or document.owner,
        message_jobs=jobs or {},
    )


async def test_export_of_a_user_without_memory(store):
    profile, sections = await exported(store.archive, "u")
    assert profile.user_id == "u"
    assert all(records == [] for records in sections.values())


async def test_restored_records_export_unchanged(store):
    document = sample_document("u")
    report = await restore(store, "u", document)
    assert report.added == {name: len(document.section(name)) for name in SECTIONS}
    assert report.present == dict.fromkeys(SECTIONS, 0)
    profile, sections = await exported(store.archive, "u")
    assert sections == sections_of(document)
    assert (profile.first_name, profile.last_name, profile.about) == ("Asha", "Rao", "Plays chess")
    assert profile.metadata == {"plan": "pro", "tags": ["a", "ü"]}


async def test_export_pages_give_the_same_records(store):
    await restore(store, "u", sample_document("u"))
    assert await exported(store.archive, "u", page_size=1) == await exported(store.archive, "u")


async def test_restoring_twice_changes_nothing(store):
    document = sample_document("u")
    jobs = index_jobs("u", document)
    first = await restore(store, "u", document, jobs=jobs)
    before = await exported(store.archive, "u")
    again = await restore(store, "u", document, jobs=jobs)
    assert again.added == dict.fromkeys(SECTIONS, 0)
    assert again.present == {name: len(document.section(name)) for name in SECTIONS}
    assert (first.jobs, again.jobs) == (len(document.messages), 0)
    assert await exported(store.archive, "u") == before  # profile's updated_at too


async def test_a_deleted_accounts_document_is_rehomed(store):
    document = sample_document("gone")
    await restore(store, "u", document, owner="gone")
    _, sections = await exported(store.archive, "u")
    keys = [entity.key for entity in sections["entities"]]
    assert "user:u" in keys
    assert "user:gone" not in keys
    assert {relation.source_key for relation in sections["relations"]} == {"user:u"}
    assert sections["messages"] == list(document.messages)
    assert sections["fact_events"] == list(document.fact_events)


async def test_another_existing_accounts_document_is_refused_whole(store):
    with pytest.raises(ForeignAccount) as refused:
        await restore(store, "u", sample_document("v"), owner="v")
    assert refused.value.code == "foreign_account"
    _, sections = await exported(store.archive, "u")
    assert all(records == [] for records in sections.values())
    profile, _ = await exported(store.archive, "u")
    assert profile.first_name is None


async def test_existing_records_are_kept(store):
    document = sample_document("u")
    await restore(
        store,
        "u",
        replace(
            document,
            sessions=(
                replace(document.sessions[0], metadata={"mine": True}),
                *document.sessions[1:],
            ),
        ),
    )
    report = await restore(store, "u", document)
    assert report.added["sessions"] == 0
    _, sections = await exported(store.archive, "u")
    assert sections["sessions"][0].metadata == {"mine": True}


async def test_history_is_added_only_for_facts_without_history(store):
    document = sample_document("u")
    await restore(store, "u", replace(document, fact_events=document.fact_events[:1]))
    report = await restore(store, "u", document)
    # f1 had history already: its INVALIDATE is not added; f0 and f2 get theirs
    assert report.added["fact_events"] == 3
    _, sections = await exported(store.archive, "u")
    assert [(e.fact_id, e.kind) for e in sections["fact_events"]] == [
        ("f1", "ADD"),
        ("f0", "ADD"),
        ("f0", "DELETE"),
        ("f2", "ADD"),
    ]


async def test_oversized_metadata_applies_nothing(store):
    document = sample_document("u")
    huge = replace(document.profile, metadata={"blob": "x" * 20_000})
    with pytest.raises(InvalidInput) as refused:
        await restore(store, "u", replace(document, profile=huge))
    assert refused.value.details["path"] == "profile.metadata"
    _, sections = await exported(store.archive, "u")
    assert all(records == [] for records in sections.values())


async def test_unknown_users(store):
    with pytest.raises(NotFound):
        await anext(store.archive.export("nobody"))
    with pytest.raises(NotFound):
        await restore(store, "nobody", sample_document("nobody"))


async def test_times_keep_their_microseconds(store):
    await restore(store, "u", sample_document("u"))
    _, sections = await exported(store.archive, "u")
    assert sections["relations"][0].valid_at == at(0)
    assert sections["relations"][0].valid_at.microsecond == 123456


async def test_an_export_reads_one_snapshot(store):
    document = sample_document("u")
    await restore(store, "u", replace(document, messages=document.messages[:2]))
    items = store.archive.export("u", page_size=1)
    first = await anext(items)
    assert isinstance(first, ProfileRecord)
    # written while the export is under way: not in it, whole or in part
    await restore(store, "u", document)
    rest = [item async for item in items]
    messages = [record for section, record in rest if section == "messages"]
    assert [m.message_id for m in messages] == ["m1", "m2"]
    _, now = await exported(store.archive, "u")
    assert len(now["messages"]) == len(document.messages)


async def test_profile_jobs_only_when_the_profile_changed(store):
    document = sample_document("u")
    sync = [ProviderJob("zep").job(JobKind.SYNC_USER, "u", occasion="import:1")]
    first = await store.archive.restore(
        "u", document, original_owner="u", message_jobs={}, profile_jobs=sync
    )
    again = await store.archive.restore(
        "u", document, original_owner="u", message_jobs={}, profile_jobs=sync
    )
    assert (first.jobs, again.jobs) == (1, 0)
