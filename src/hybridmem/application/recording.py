"""The write path: messages and business data, recorded with the jobs they cause."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hybridmem.application.extraction import FactExtraction
from hybridmem.application.worker import JobBell
from hybridmem.domain.accounts import validate_id
from hybridmem.domain.episodes import Episode, EpisodeKind
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import FactSource, normalize_labelled
from hybridmem.domain.jobs import EpisodeJob, JobRouting, MessageJob, NewJob
from hybridmem.domain.messages import Message, NewMessage, Role
from hybridmem.domain.moments import require_moment
from hybridmem.domain.replies import is_degenerate_message
from hybridmem.domain.router import plan_write
from hybridmem.domain.temporal import TemporalPlan
from hybridmem.ports.messages import MessageJournal
from hybridmem.ports.outbox import Outbox
from hybridmem.ports.system import Clock, Ids


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A message as a client sends it."""

    role: Role
    content: str
    message_id: str | None = None
    name: str | None = None
    occurred_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class MessageRecorder:
    """Records messages (and business data) with their jobs in one commit, so memory is
    never lost, only delayed."""

    def __init__(
        self,
        *,
        journal: MessageJournal,
        outbox: Outbox,
        extraction: FactExtraction,
        ids: Ids,
        clock: Clock,
        routing: JobRouting,
        bell: JobBell | None = None,
    ) -> None:
        self._journal = journal
        self._outbox = outbox
        self._extraction = extraction
        self._ids = ids
        self._clock = clock
        self._routing = routing
        self._bell = bell or JobBell()

    async def add_messages(
        self, user_id: str, session_id: str, messages: Sequence[IncomingMessage]
    ) -> list[Message]:
        """Record messages, with the jobs the routing asks for (extraction only for those
        worth remembering); a retried call with the same message ids changes nothing."""
        validate_id(session_id, kind="session_id")
        prepared: list[NewMessage] = []
        jobs: list[NewJob] = []
        for incoming in messages:
            message = NewMessage(
                message_id=(
                    validate_id(incoming.message_id, kind="message_id")
                    if incoming.message_id
                    else self._ids.new_id("msg_")
                ),
                role=incoming.role,
                content=incoming.content,
                name=incoming.name,
                occurred_at=require_moment(
                    incoming.occurred_at or self._clock.now(), field_name="occurred_at"
                ),
                metadata=dict(incoming.metadata),
            )
            prepared.append(message)
            payload = MessageJob(session_id, message)
            # a replaced (degenerate) reply is kept for the record only: no provider
            # receives it and it is not indexed, so it never becomes memory
            degenerate = is_degenerate_message(message.metadata)
            kinds = [] if degenerate else list(self._routing.every_message)
            if plan_write(message.content, message.role).extract:
                kinds += self._routing.worth_extracting
            jobs += [payload.job(kind, user_id) for kind in kinds]
        stored = await self._journal.record(user_id, session_id, prepared, jobs)
        if jobs:
            self._bell.ring()
        return list(stored)

    async def add_data(
        self,
        user_id: str,
        data: str | Mapping[str, Any],
        *,
        occurred_at: datetime | None = None,
        episode_id: str | None = None,
    ) -> TemporalPlan:
        """Business data into the user's memory (Zep's graph.add): text goes through the
        rule extractor; JSON key/value pairs are labelled facts for the normalizer."""
        when = require_moment(occurred_at or self._clock.now(), field_name="occurred_at")
        episode = Episode(
            episode_id=episode_id or self._ids.new_id("ep_"),
            kind=EpisodeKind.TEXT if isinstance(data, str) else EpisodeKind.JSON,
            content=data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
            occurred_at=when,
            source_description="business data",
        )
        if self._routing.business_data:
            payload = EpisodeJob(episode)
            await self._outbox.enqueue(
                [payload.job(kind, user_id) for kind in self._routing.business_data]
            )
            self._bell.ring()
        if isinstance(data, str):
            candidates = extract_facts(data, message_id=episode.episode_id, observed_at=when)
        else:
            candidates = [
                normalize_labelled(
                    key,
                    value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
                    observed_at=when,
                    message_id=episode.episode_id,
                    source=FactSource.USER,
                    confidence=1.0,
                )
                for key, value in _flatten(data)
            ]
        return await self._extraction.remember(user_id, candidates, stated_at=when)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        label = f"{prefix} {key}".strip()
        if isinstance(value, Mapping):
            pairs += _flatten(value, label)
        elif isinstance(value, list):
            pairs += [(label, item) for item in value if item is not None and item != ""]
        elif value is not None and value != "":
            pairs.append((label, value))
    return pairs
