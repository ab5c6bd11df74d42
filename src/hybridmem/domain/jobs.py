"""Durable background jobs (the outbox): their kinds, their payloads, their retries.

Every kind of job is a :class:`JobKind`, and every payload a dataclass here with
``to_payload``/``from_payload``, so a job is built and read in one place: adding a kind
touches this module and its handler. Which kinds a message causes is a
:class:`JobRouting`, decided once when the service is composed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from hybridmem.domain.episodes import Episode, EpisodeKind
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.keys import composite_key
from hybridmem.domain.messages import NewMessage, Role
from hybridmem.domain.retries import backoff_seconds


class JobKind(StrEnum):
    """What a job does (the value is what the outbox stores)."""

    EXTRACT = "memory.extract"  # rule extraction of a user message into facts and graph
    EXTRACT_LLM = "memory.extract_llm"  # model extraction of the same message
    INDEX = "memory.index"  # embed a message for semantic search
    DELIVER_MESSAGE = "history.deliver"  # copy a message into a provider's history (Zep)
    DELIVER_EPISODE = "graph.episode"  # business data into a provider's graph (Zep)
    SYNC_USER = "provider.user_sync"  # create or update the user at a provider
    DELETE_USER = "provider.user_delete"  # forget the user at a provider


class JobStatus(StrEnum):
    """Where a job is in its life."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class NewJob:
    """Work to do after a commit. ``idempotency_key`` makes enqueueing idempotent and is
    passed to upstream services so a retried delivery is applied once."""

    kind: JobKind
    user_id: str
    idempotency_key: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed or listed job. ``kind`` is as stored: a :class:`JobKind` value, or a kind
    this version does not know (written by a newer one), which no handler takes."""

    job_id: int
    kind: str
    user_id: str
    idempotency_key: str
    payload: dict[str, Any]
    status: JobStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    run_after: datetime


def retry_delay(
    attempts: int,
    *,
    base: timedelta = timedelta(seconds=1),
    cap: timedelta = timedelta(minutes=10),
    retry_after: float | None = None,
) -> timedelta:
    """Exponential backoff (1 s, 2 s, 4 s… capped), or the upstream's Retry-After if longer."""
    seconds = backoff_seconds(
        attempts,
        base=base.total_seconds(),
        cap=cap.total_seconds(),
        retry_after=retry_after,
        honour_beyond_cap=True,
    )
    return timedelta(seconds=seconds)


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise InvalidInput(f"malformed job payload: {key} is missing", details={"field": key})
    return value


def _moment(payload: Mapping[str, Any], key: str) -> datetime:
    try:
        return datetime.fromisoformat(_text(payload, key))
    except ValueError as exc:
        raise InvalidInput(f"malformed job payload: {key}", details={"field": key}) from exc


@dataclass(frozen=True, slots=True)
class MessageJob:
    """The payload of every job about one recorded message (extraction, indexing,
    delivery to a provider's history)."""

    session_id: str
    message: NewMessage

    @property
    def occurred_at(self) -> datetime:
        """When the message was said (always set on a recorded message)."""
        assert self.message.occurred_at is not None
        return self.message.occurred_at

    def to_payload(self) -> dict[str, Any]:
        """The JSON the outbox stores."""
        message = self.message
        return {
            "session_id": self.session_id,
            "message_id": message.message_id,
            "role": message.role.value,
            "name": message.name,
            "content": message.content,
            "occurred_at": self.occurred_at.isoformat(),
            "metadata": dict(message.metadata),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> MessageJob:
        """Read a stored payload; InvalidInput when it is not one. Payloads of older
        versions (extraction jobs without role, name or metadata) read as user messages."""
        try:
            role = Role(str(payload.get("role", Role.USER.value)))
        except ValueError as exc:
            raise InvalidInput("malformed job payload: role", details={"field": "role"}) from exc
        name = payload.get("name")
        metadata = payload.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise InvalidInput("malformed job payload: metadata", details={"field": "metadata"})
        return cls(
            session_id=_text(payload, "session_id"),
            message=NewMessage(
                message_id=_text(payload, "message_id"),
                role=role,
                content=_text(payload, "content"),
                name=name if isinstance(name, str) else None,
                occurred_at=_moment(payload, "occurred_at"),
                metadata=dict(metadata),
            ),
        )

    def job(self, kind: JobKind, user_id: str) -> NewJob:
        """This payload as a job of ``kind`` (one per kind, user and message)."""
        key = composite_key(kind.value, user_id, self.message.message_id)
        return NewJob(kind=kind, user_id=user_id, idempotency_key=key, payload=self.to_payload())


@dataclass(frozen=True, slots=True)
class EpisodeJob:
    """The payload of a business-data delivery to a graph provider."""

    episode: Episode

    def to_payload(self) -> dict[str, Any]:
        """The JSON the outbox stores."""
        episode = self.episode
        return {
            "episode_id": episode.episode_id,
            "kind": episode.kind.value,
            "content": episode.content,
            "occurred_at": episode.occurred_at.isoformat(),
            "source_description": episode.source_description,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> EpisodeJob:
        """Read a stored payload; InvalidInput when it is not one."""
        try:
            kind = EpisodeKind(_text(payload, "kind"))
        except ValueError as exc:
            raise InvalidInput("malformed job payload: kind", details={"field": "kind"}) from exc
        description = payload.get("source_description")
        return cls(
            Episode(
                episode_id=_text(payload, "episode_id"),
                kind=kind,
                content=_text(payload, "content"),
                occurred_at=_moment(payload, "occurred_at"),
                source_description=description if isinstance(description, str) else None,
            )
        )

    def job(self, kind: JobKind, user_id: str) -> NewJob:
        """This payload as a job of ``kind`` (one per kind, user and episode)."""
        key = composite_key(kind.value, user_id, self.episode.episode_id)
        return NewJob(kind=kind, user_id=user_id, idempotency_key=key, payload=self.to_payload())


@dataclass(frozen=True, slots=True)
class ProviderJob:
    """The payload of a user sync or deletion at one provider."""

    provider: str

    def to_payload(self) -> dict[str, Any]:
        """The JSON the outbox stores."""
        return {"provider": self.provider}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ProviderJob:
        """Read a stored payload; InvalidInput when it is not one."""
        return cls(_text(payload, "provider"))

    def job(self, kind: JobKind, user_id: str, *, occasion: str) -> NewJob:
        """This payload as a job of ``kind``; ``occasion`` tells one sync or deletion from
        another (a profile version, a fresh id)."""
        key = composite_key(kind.value, self.provider, user_id, occasion)
        return NewJob(kind=kind, user_id=user_id, idempotency_key=key, payload=self.to_payload())


@dataclass(frozen=True, slots=True)
class JobRouting:
    """Which jobs the write path enqueues, decided once from the configuration.

    - ``every_message``: for every recorded message (embedding, a provider's history);
    - ``worth_extracting``: for user messages the router finds worth remembering;
    - ``business_data``: for business data (a provider's graph);
    - ``providers``: the providers that keep a copy of each user (sync and deletion).
    """

    every_message: tuple[JobKind, ...] = ()
    worth_extracting: tuple[JobKind, ...] = (JobKind.EXTRACT,)
    business_data: tuple[JobKind, ...] = ()
    providers: tuple[str, ...] = ()

    @property
    def kinds(self) -> frozenset[JobKind]:
        """Every kind this routing can enqueue."""
        user_jobs = (JobKind.SYNC_USER, JobKind.DELETE_USER) if self.providers else ()
        return frozenset(
            (*self.every_message, *self.worth_extracting, *self.business_data, *user_jobs)
        )
