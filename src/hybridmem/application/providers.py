"""Delivery to memory providers: what PostgreSQL recorded first reaches Zep and Mem0
through outbox jobs, so a provider outage delays memory and never loses it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hybridmem.domain.accounts import User
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import EpisodeJob, Job, JobKind, MessageJob, NewJob, ProviderJob
from hybridmem.ports.accounts import UserRepository
from hybridmem.ports.memory import GraphMemory
from hybridmem.ports.messages import MessageMirror
from hybridmem.ports.providers import UserDirectory
from hybridmem.ports.system import Ids


class ProviderJobs:
    """Builds the jobs that keep providers in step with PostgreSQL."""

    def __init__(self, *, providers: Sequence[str], ids: Ids) -> None:
        self.providers = tuple(providers)
        self._ids = ids

    def user_sync(self, user: User) -> list[NewJob]:
        """One job per provider after signup or a profile change."""
        stamp = user.updated_at.isoformat()
        return [
            ProviderJob(provider).job(JobKind.SYNC_USER, user.user_id, occasion=stamp)
            for provider in self.providers
        ]

    def user_delete(self, user_id: str) -> list[NewJob]:
        """One job per provider after the account is deleted (retried until done)."""
        return [
            ProviderJob(provider).job(JobKind.DELETE_USER, user_id, occasion=self._ids.new_id())
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
        payload = MessageJob.from_payload(job.payload)
        await self._history_mirror.append(job.user_id, payload.session_id, [payload.message])

    async def deliver_episode(self, job: Job) -> None:
        """Hand business data to the graph provider."""
        await self._graph.add_episode(job.user_id, EpisodeJob.from_payload(job.payload).episode)

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
        provider = ProviderJob.from_payload(job.payload).provider
        if provider not in self._directories:
            raise InvalidInput(f"no user directory for provider {provider!r}")
        return self._directories[provider]
