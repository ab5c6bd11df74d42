"""Each account port's contract runs against every implementation: the in-memory
fakes and PostgreSQL (server and embedded)."""

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
from tests.conftest import DatabaseRegistry
from tests.support.fakes import (
    FrozenClock,
    InMemoryLoginThrottle,
    InMemoryRevocations,
    InMemorySessions,
    InMemoryUsers,
)


@dataclass
class AccountStores:
    users: Any
    sessions: Any
    revocations: Any
    throttle: Any
    clock: FrozenClock


THROTTLE = {"max_failures": 3, "window": timedelta(minutes=15), "lockout": timedelta(minutes=5)}


@pytest.fixture(params=["memory", "server", "embedded"])
async def stores(
    request: pytest.FixtureRequest, clock: FrozenClock, test_databases: DatabaseRegistry
) -> AsyncIterator[AccountStores]:
    if request.param == "memory":
        users = InMemoryUsers(clock)
        yield AccountStores(
            users=users,
            sessions=InMemorySessions(users),
            revocations=InMemoryRevocations(),
            throttle=InMemoryLoginThrottle(clock, users=users, **THROTTLE),
            clock=clock,
        )
        return
    database = await test_databases.get(request.param)
    yield AccountStores(
        users=PostgresUsers(database),
        sessions=PostgresSessions(database),
        revocations=PostgresTokenRevocations(database),
        throttle=PostgresLoginThrottle(database, clock, **THROTTLE),
        clock=clock,
    )
    await test_databases.empty(database)
