"""Delivery to memory providers: what PostgreSQL recorded first reaches Zep and Mem0
through outbox jobs, so a provider outage delays memory and never loses it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from hybridmem.domain.accounts import User
from hybridmem.domain.episodes import Episode, EpisodeKind
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import Job, NewJob
from hybridmem.domain.keys import composite_key
from hybridmem.domain.messages import NewMessage, Role
from hybridmem.ports.accounts import UserRepository
from hybridmem.ports.memory import GraphMemory
from hybridmem.ports.messages import MessageMirror
from hybridmem.ports.providers import UserDirectory
from hybridmem.ports.system import Ids

DELIVER_MESSAGE_JOB = "history.deliver"
DELIVER_EPISODE_JOB = "graph.episode"
SYNC_USER_JOB = "provider.user_sync"
DELETE_USER_JOB = "provider.user_delete"


class ProviderJobs:
    """Builds the jobs that keep providers in step with PostgreSQL."""

    def __init__(self, *, providers: Sequence[str], ids: Ids) -> None:
        self.providers = tuple(providers)
        self._ids = ids

    def user_sync(self, user: User) -> list[NewJob]:
        """One job per provider after signup or a profile change."""
        stamp = user.updated_at.isoformat()
        return [
            NewJob(
                kind=SYNC_USER_JOB,
                user_id=user.user_id,
                idempotency_key=composite_key(SYNC_USER_JOB, provider, user.user_id, stamp),
                payload={"provider": provider},
            )
            for provider in self.providers
        ]

    def user_delete(self, user_id: str) -> list[NewJob]:
        """One job per provider after the account is deleted (retried until done)."""
        return [
            NewJob(
                kind=DELETE_USER_JOB,
                user_id=user_id,
                idempotency_key=composite_key(
                    DELETE_USER_JOB, provider, user_id, self._ids.new_id()
                ),
                payload={"provider": provider},
            )
            for provider in self.providers
        ]


class ProviderDelivery:
    """Job handlers that deliver messages, episodes and user changes to providers."""

    def __init__(
        self,
        *,
        users: UserRepository,
        graph: GraphMemory,
        directories: Mapping[str, UserDirectory],
        history_mirror: MessageMirror | None = None,
    ) -> None:
        self._users = users
        self._graph = graph
        self._directories = dict(directories)
        self._history_mirror = history_mirror

    async def deliver_message(self, job: Job) -> None:
        """Append one recorded message to the mirroring history (Zep thread)."""
        if self._history_mirror is None:
            return
        payload = job.payload
        try:
            message = NewMessage(
                message_id=str(payload["message_id"]),
                role=Role(str(payload["role"])),
                content=str(payload["content"]),
                name=payload.get("name"),
                occurred_at=datetime.fromisoformat(str(payload["occurred_at"])),
                metadata=dict(payload.get("metadata") or {}),
            )
            session_id = str(payload["session_id"])
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"malformed delivery job: {exc}") from exc
        await self._history_mirror.append(job.user_id, session_id, [message])

    async def deliver_episode(self, job: Job) -> None:
        """Hand business data to the graph provider."""
        payload = job.payload
        try:
            episode = Episode(
                episode_id=str(payload["episode_id"]),
                kind=EpisodeKind(str(payload["kind"])),
                content=str(payload["content"]),
                occurred_at=datetime.fromisoformat(str(payload["occurred_at"])),
                source_description=payload.get("source_description"),
            )
        except (KeyError, ValueError) as exc:
            raise InvalidInput(f"malformed episode job: {exc}") from exc
        await self._graph.add_episode(job.user_id, episode)

    async def sync_user(self, job: Job) -> None:
        """Create or update the user at one provider (nothing to do once deleted)."""
        directory = self._directory(job)
        try:
            user = await self._users.get(job.user_id)
        except NotFound:
            return
        await directory.upsert_user(user)

    async def delete_user(self, job: Job) -> None:
        """Forget the user at one provider."""
        await self._directory(job).delete_user(job.user_id)

    def _directory(self, job: Job) -> UserDirectory:
        provider = str(job.payload.get("provider", ""))
        if provider not in self._directories:
            raise InvalidInput(f"no user directory for provider {provider!r}")
        return self._directories[provider]
