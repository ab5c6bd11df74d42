"""The application services on the in-memory fakes: no database, milliseconds per test.

``world`` holds every fake port wired as one database; services are built on it the way
the container builds them. ``Outage`` makes chosen methods of a real fake fail or hang, to
see how a service degrades (it is the fake with a fault, not a mock of our code).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from hybridmem.adapters.security.passwords import BcryptPasswordHasher
from hybridmem.adapters.security.tokens import JwtAccessTokens
from hybridmem.application.accounts import AccountService
from hybridmem.application.extraction import FactExtraction, MessageIndexing
from hybridmem.application.fact_editing import FactEditor
from hybridmem.application.recall import RecallService, RecallSettings
from hybridmem.application.recording import MessageRecorder
from hybridmem.application.views import MemoryViews
from hybridmem.application.worker import JobBell, JobWorker
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.domain.jobs import JobKind, JobRouting
from tests.support.fakes import FrozenClock, InMemoryLoginThrottle, InMemoryRevocations
from tests.support.message_fakes import InMemoryWorld


class Outage:
    """``port`` with ``methods`` failing (raising ``error``, or hanging with ``hang``) for
    the next ``times`` calls (every call when None); everything else is the port itself."""

    def __init__(
        self,
        port: Any,
        *methods: str,
        error: Exception | None = None,
        hang: bool = False,
        times: int | None = None,
    ) -> None:
        self._port = port
        self._methods = set(methods)
        self._error = error or UpstreamUnavailable("the store is down", upstream="test")
        self._hang = hang
        self.remaining = times
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._port, name)
        if name not in self._methods:
            return attribute

        async def failing(*args: Any, **kwargs: Any) -> Any:
            if self.remaining is None or self.remaining > 0:
                if self.remaining is not None:
                    self.remaining -= 1
                self.failures += 1
                if self._hang:
                    await asyncio.Event().wait()
                raise self._error
            return await attribute(*args, **kwargs)

        return failing


@pytest.fixture
async def world(clock: FrozenClock) -> InMemoryWorld:
    """Every fake port, with the users "u" and "v"."""
    made = InMemoryWorld(clock)
    await made.add_users(["u", "v"])
    return made


@dataclass
class MemoryApp:
    """The memory use cases, built on the world's ports as the container builds them."""

    recorder: MessageRecorder
    extraction: FactExtraction
    indexing: MessageIndexing
    views: MemoryViews
    editor: FactEditor


def memory_app(
    world: InMemoryWorld,
    *,
    routing: JobRouting | None = None,
    bell: JobBell | None = None,
    **ports: Any,
) -> MemoryApp:
    """The use cases on the world's ports (``ports`` replace ``facts``, ``graph``…)."""
    facts = ports.get("facts", world.facts)
    graph = ports.get("graph", world.graph)
    extraction = FactExtraction(facts=facts, graph=graph, ids=world.ids)
    return MemoryApp(
        recorder=MessageRecorder(
            journal=ports.get("journal", world.messages),
            outbox=world.outbox,
            extraction=extraction,
            ids=world.ids,
            clock=world.clock,
            routing=routing or JobRouting(),
            bell=bell,
        ),
        extraction=extraction,
        indexing=MessageIndexing(world.messages),
        views=MemoryViews(
            history=world.messages,
            lookup=world.messages,
            sessions=world.sessions,
            facts=facts,
            graph=graph,
        ),
        editor=FactEditor(facts, graph),
    )


@pytest.fixture
def memory(world: InMemoryWorld) -> MemoryApp:
    return memory_app(world)


@pytest.fixture
def recall(world: InMemoryWorld) -> RecallService:
    return RecallService(
        facts=world.facts,
        graph=world.graph,
        history=world.messages,
        settings=RecallSettings(source_timeout_seconds=1.0),
    )


def job_worker(
    world: InMemoryWorld, handlers: dict[JobKind, Callable[[Any], Awaitable[None]]], **options: Any
) -> JobWorker:
    """A worker on the world's outbox and clock."""
    return JobWorker(outbox=world.outbox, handlers=handlers, clock=world.clock, **options)


@pytest.fixture
def worker(world: InMemoryWorld, memory: MemoryApp) -> JobWorker:
    """The worker with the memory handlers the container registers."""
    return job_worker(
        world, {JobKind.EXTRACT: memory.extraction.handle, JobKind.INDEX: memory.indexing.handle}
    )


def account_service(world: InMemoryWorld, clock: FrozenClock, **wiring: Any) -> AccountService:
    """``AccountService`` on the fakes as the container wires it (fast bcrypt, a short-lived
    JWT, three failures before a lockout); ``wiring`` adds the optional collaborators."""
    return AccountService(
        users=world.users,
        hasher=BcryptPasswordHasher(rounds=4),
        tokens=JwtAccessTokens(
            secret_key="unit-test-key-" + "a" * 60,
            algorithm="HS256",
            issuer="hybridmem",
            audience="hybridmem-api",
            ttl=timedelta(minutes=10),
            clock=clock,
            ids=world.ids,
        ),
        revocations=InMemoryRevocations(),
        throttle=InMemoryLoginThrottle(
            clock, max_failures=3, window=timedelta(minutes=15), lockout=timedelta(minutes=5)
        ),
        ids=world.ids,
        clock=clock,
        **wiring,
    )
