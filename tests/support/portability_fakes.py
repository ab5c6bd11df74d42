"""An in-memory ``MemoryArchive``: the user's records per section in dicts, profiles in
the ``InMemoryUsers`` fake; it passes the same contract suite as PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from hybridmem.domain.accounts import check_merged_metadata
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.jobs import NewJob
from hybridmem.domain.portability import (
    SECTIONS,
    ArchiveDocument,
    FactEventRecord,
    ImportReport,
    ProfileRecord,
    Record,
    check_owner,
    record_id,
)
from hybridmem.ports.portability import ArchiveItem
from tests.support.fakes import InMemoryUsers


def _order(section: str, records: list[Record]) -> list[Record]:
    # the orders the port promises (messages and fact events: as written)
    if section in ("messages", "fact_events"):
        return records
    return sorted(records, key=lambda r: (getattr(r, "created_at"), record_id(r)))  # noqa: B009


class InMemoryMemoryArchive:
    """``MemoryArchive`` in dicts; ``jobs`` holds what was enqueued, by idempotency key."""

    def __init__(self, users: InMemoryUsers) -> None:
        self._users = users
        self._data: dict[str, dict[str, dict[str, Record]]] = {}
        self._events: dict[str, list[FactEventRecord]] = {}
        self.jobs: dict[str, NewJob] = {}
        self._lock = asyncio.Lock()
        users.dependents.append(self)

    def forget_user(self, user_id: str) -> None:
        """Drop the user's records (the account was deleted)."""
        self._data.pop(user_id, None)
        self._events.pop(user_id, None)
        self.jobs = {k: job for k, job in self.jobs.items() if job.user_id != user_id}

    def _records(self, user_id: str, section: str) -> list[Record]:
        if section == "fact_events":
            return list(self._events.get(user_id, []))
        return list(self._data.get(user_id, {}).get(section, {}).values())

    async def export(
        self, user_id: str, *, page_size: int = 500
    ) -> AsyncGenerator[ArchiveItem, None]:
        """The profile, then every section, from a copy taken at the start."""
        user = await self._users.get(user_id)
        snapshot = {section: self._records(user_id, section) for section in SECTIONS}
        yield ProfileRecord(
            user.user_id,
            user.email,
            user.first_name,
            user.last_name,
            user.about,
            dict(user.metadata),
            user.created_at,
            user.updated_at,
        )
        for section in SECTIONS:
            for record in _order(section, snapshot[section]):
                yield section, record

    async def restore(
        self,
        user_id: str,
        document: ArchiveDocument,
        *,
        original_owner: str,
        message_jobs: Mapping[str, Sequence[NewJob]],
        profile_jobs: Sequence[NewJob] = (),
    ) -> ImportReport:
        """Apply the document: everything is checked before anything changes."""
        async with self._lock:
            user = await self._users.get(user_id)
            owner_exists = original_owner in self._users._users
            check_owner(original_owner, user_id, owner_exists=owner_exists)
            merged = {**user.metadata, **document.profile.metadata}
            if merged != user.metadata:
                try:
                    check_merged_metadata(merged)
                except InvalidInput as exc:
                    details = {**(exc.details or {}), "path": "profile.metadata"}
                    raise InvalidInput(exc.message, details=details) from None
            profile = document.profile
            changed = replace(
                user,
                first_name=profile.first_name or user.first_name,
                last_name=profile.last_name or user.last_name,
                about=profile.about or user.about,
                metadata=merged,
            )
            jobs = {message_id: list(found) for message_id, found in message_jobs.items()}
            if changed != user:
                self._users._users[user_id] = replace(changed, updated_at=self._users._now())
                # enqueued with the first added message's jobs, or alone
                jobs[""] = list(profile_jobs)
            return self._apply(user_id, document, jobs)

    def _apply(
        self,
        user_id: str,
        document: ArchiveDocument,
        message_jobs: Mapping[str, Sequence[NewJob]],
    ) -> ImportReport:
        data = self._data.setdefault(user_id, {})
        added: dict[str, int] = {}
        present: dict[str, int] = {}
        new_messages: list[str] = []
        for section in SECTIONS:
            records = document.section(section)
            if section == "fact_events":
                events = self._events.setdefault(user_id, [])
                with_history = {event.fact_id for event in events}
                fresh = [
                    r
                    for r in records
                    if isinstance(r, FactEventRecord) and r.fact_id not in with_history
                ]
                events += fresh
            else:
                stored = data.setdefault(section, {})
                fresh = [r for r in records if record_id(r) not in stored]
                stored.update((record_id(r), r) for r in fresh)
                if section == "messages":
                    new_messages = [record_id(r) for r in fresh]
            added[section] = len(fresh)
            present[section] = len(records) - len(fresh)
        enqueued = 0
        for message_id in [*new_messages, ""]:
            for job in message_jobs.get(message_id, ()):
                if job.idempotency_key not in self.jobs:
                    self.jobs[job.idempotency_key] = job
                    enqueued += 1
        return ImportReport(added=added, present=present, jobs=enqueued)

    def counts(self, user_id: str) -> dict[str, Any]:
        """Records per section (for tests)."""
        return {section: len(self._records(user_id, section)) for section in SECTIONS}
