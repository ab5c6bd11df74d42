"""Each port's contract runs against every implementation: PostgreSQL (server and
embedded) and the in-memory fake: the ``implementation`` fixture is a PostgreSQL database
or None (the fake), and each suite builds its ports on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from hybridmem.adapters.postgres.accounts import (
    PostgresLoginThrottle,
    PostgresSessions,
    PostgresTokenRevocations,
    PostgresUsers,
)
from hybridmem.adapters.postgres.api_keys import PostgresApiKeys
from hybridmem.adapters.postgres.database import Database
from hybridmem.adapters.postgres.outbox import PostgresOutbox
from tests.conftest import DatabaseRegistry
from tests.support.api_key_fakes import InMemoryApiKeys
from tests.support.fakes import (
    FrozenClock,
    InMemoryLoginThrottle,
    InMemoryRevocations,
    InMemorySessions,
    InMemoryUsers,
)
from tests.support.message_fakes import InMemoryOutbox


@dataclass
class AccountStores:
    users: Any
    sessions: Any
    revocations: Any
    throttle: Any
    clock: FrozenClock
    outbox: Any
    api_keys: Any


THROTTLE = {"max_failures": 3, "window": timedelta(minutes=15), "lockout": timedelta(minutes=5)}


IMPLEMENTATIONS = ["server", "embedded", "fake"]


@pytest.fixture(params=IMPLEMENTATIONS)
async def implementation(
    request: pytest.FixtureRequest, test_databases: DatabaseRegistry
) -> AsyncIterator[Database | None]:
    """A PostgreSQL database (emptied after the test), or None for the fake."""
    if request.param == "fake":
        yield None
        return
    database = await test_databases.get(request.param)
    yield database
    await test_databases.empty(database)


@pytest.fixture
async def stores(implementation: Database | None, clock: FrozenClock) -> AccountStores:
    if implementation is None:
        outbox = InMemoryOutbox(clock)
        users = InMemoryUsers(clock, outbox=outbox)
        return AccountStores(
            users=users,
            sessions=InMemorySessions(users),
            revocations=InMemoryRevocations(),
            throttle=InMemoryLoginThrottle(clock, users=users, **THROTTLE),
            clock=clock,
            outbox=outbox,
            api_keys=InMemoryApiKeys(users, clock),
        )
    return AccountStores(
        users=PostgresUsers(implementation),
        sessions=PostgresSessions(implementation),
        revocations=PostgresTokenRevocations(implementation),
        throttle=PostgresLoginThrottle(implementation, clock, **THROTTLE),
        clock=clock,
        outbox=PostgresOutbox(implementation),
        api_keys=PostgresApiKeys(implementation),
    )
