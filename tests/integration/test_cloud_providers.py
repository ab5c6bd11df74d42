"""The service on Zep Cloud and Mem0 Platform (fakes behind httpx.MockTransport): role
selection, the whole flow, cross-provider consolidation, deletion at every provider, and
no lost writes while a provider is down."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers

from hybridmem.adapters.mem0.client import Mem0Client, mem0_http_client
from hybridmem.adapters.zep.client import ZepClient, zep_http_client
from hybridmem.service.app import create_app
from hybridmem.service.container import Container
from hybridmem.service.library import Memory
from tests.conftest import make_settings
from tests.support.api import auth_headers, drain_jobs, say
from tests.support.mem0_fake import FakeMem0
from tests.support.zep_fake import API_KEY as ZEP_KEY
from tests.support.zep_fake import FakeZep


async def _no_wait(_: float) -> None:
    return None


class FlakyTransport(httpx.AsyncBaseTransport):
    """Fails the next requests at the connection level (refused, then timed out) before
    handing them to the fake."""

    def __init__(self, inner: httpx.MockTransport) -> None:
        self.inner = inner
        self.refusals = 0
        self.timeouts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.refusals:
            self.refusals -= 1
            raise httpx.ConnectError("connection refused", request=request)
        if self.timeouts:
            self.timeouts -= 1
            raise httpx.ReadTimeout("timed out", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def zep() -> FakeZep:
    return FakeZep()


@pytest.fixture
def mem0() -> FakeMem0:
    fake = FakeMem0()
    fake.add_mode = "sync"
    return fake


@pytest.fixture
def zep_network(zep) -> FlakyTransport:
    return FlakyTransport(zep.transport())


@pytest.fixture
def mem0_network(mem0) -> FlakyTransport:
    return FlakyTransport(mem0.transport())


def cloud_settings(**overrides: object):
    return make_settings(
        zep_api_key=ZEP_KEY,
        mem0_api_key=FakeMem0.api_key,
        chat_turns_per_minute=0,
        **overrides,
    )


async def _cloud_app(database, clock, model, zep_network, mem0_network, settings) -> AsyncIterator:
    container = Container(settings=settings)
    container.database.override(providers.Object(database))
    container.clock.override(providers.Object(clock))
    container.language_model.override(providers.Object(model))
    zep_http = zep_http_client("https://api.getzep.com", ZEP_KEY, 5, transport=zep_network)
    mem0_http = mem0_http_client("https://api.mem0.ai", FakeMem0.api_key, 5, transport=mem0_network)
    container.zep_http.override(providers.Object(zep_http))
    container.mem0_http.override(providers.Object(mem0_http))
    container.zep_client.override(providers.Object(ZepClient(zep_http, sleep=_no_wait)))
    container.mem0_client.override(providers.Object(Mem0Client(mem0_http, sleep=_no_wait)))
    application = create_app(settings, container=container, background_jobs=False)
    async with LifespanManager(application):
        yield application
    await zep_http.aclose()
    await mem0_http.aclose()


@pytest.fixture
async def app(database, clock, model, zep_network, mem0_network):
    async for application in _cloud_app(
        database, clock, model, zep_network, mem0_network, cloud_settings()
    ):
        yield application


async def drain_until_done(app, clock, rounds: int = 12) -> None:
    """Run the worker, letting retry back-offs pass, until nothing is left."""
    outbox = app.state.services.outbox
    for _ in range(rounds):
        clock.advance(seconds=-3600)  # back-offs are scheduled from this clock
        await drain_jobs(app)
        clock.advance(seconds=3600)
        if await outbox.pending_count() == 0:
            return
    raise AssertionError(f"{await outbox.pending_count()} jobs still pending")


def test_keys_select_the_clouds_and_roles_can_be_forced():
    both = cloud_settings()
    assert (both.history_backend, both.graph_backend, both.facts_backend) == (
        "zep",
        "zep",
        "mem0",
    )
    mixed = cloud_settings(facts="postgres")
    assert (mixed.graph_backend, mixed.facts_backend) == ("zep", "postgres")
    local = make_settings()
    assert (local.history_backend, local.graph_backend, local.facts_backend) == (
        "postgres",
        "postgres",
        "postgres",
    )
    with pytest.raises(ValueError, match="MEM0_API_KEY"):
        make_settings(facts="mem0")


async def test_the_whole_flow_reaches_zep_and_mem0(client, app, clock, zep, mem0):
    headers = await auth_headers(client, "alice", first_name="Alice", last_name="Liddell")
    reply = await client.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "s1", "message": "I live in Delhi and like chess."},
    )
    assert reply.status_code == 200
    await drain_until_done(app, clock)

    # Zep: the user (with the real name) and one thread holding both messages
    [zep_user] = zep.users.values()
    assert (zep_user["user_id"], zep_user["first_name"]) == ("alice", "Alice")
    [thread] = zep.threads.values()
    contents = [m["content"] for m in zep.messages[thread["uuid"]]]
    assert contents == ["I live in Delhi and like chess.", reply.json()["reply"]]
    assert zep.messages[thread["uuid"]][0]["name"] == "Alice Liddell"
    # Mem0: the extracted facts, as verbatim memories
    assert {m["memory"] for m in mem0.stored("alice")} == {"Lives in Delhi", "Likes chess"}

    found = await client.post(
        "/api/memory/search", headers=headers, json={"query": "Where do I live?"}
    )
    assert found.json()["results"][0]["fact"]["value"] == "Delhi"
    ready = (await client.get("/readyz")).json()["checks"]
    assert (ready["history"]["backend"], ready["graph"]["backend"]) == ("zep", "zep")
    assert ready["facts"]["backend"] == "mem0"
    assert ready["outbox"]["pending_jobs"] == 0

    # business data becomes a Zep episode
    await client.post("/api/memory/data", headers=headers, json={"data": "Alice plays the oboe"})
    await drain_until_done(app, clock)
    episodes = [e for graph in zep.episodes.values() for e in graph]
    assert [e["data"] for e in episodes if "data" in e] == ["Alice plays the oboe"]


async def test_consolidation_across_providers(client, app, clock, zep, mem0):
    headers = await auth_headers(client, "bob")
    await say(client, headers, "s", "I like chess.")
    await drain_until_done(app, clock)
    zep_user = next(iter(zep.users.values()))
    # Zep's graph knows a fact Mem0 lacks, and one Mem0 already holds
    me = zep.add_node(zep_user["uuid"], "bob", ["User"])
    tokyo = zep.add_node(zep_user["uuid"], "Tokyo", ["Location"])
    chess = zep.add_node(zep_user["uuid"], "chess", ["Topic"])
    zep.add_edge(zep_user["uuid"], "LIVES_IN", "bob lives in Tokyo", me, tokyo)
    zep.add_edge(zep_user["uuid"], "LIKES", "bob likes chess", me, chess)

    dry = (
        await client.post("/api/memory/consolidate", headers=headers, json={"dry_run": True})
    ).json()
    kinds = Counter(d["kind"] for d in dry["decisions"])
    assert kinds["add"] == 1  # Tokyo: missing from Mem0
    assert kinds["keep"] >= 1  # chess: already there
    assert {m["memory"] for m in mem0.stored("bob")} == {"Likes chess"}

    done = (await client.post("/api/memory/consolidate", headers=headers, json={})).json()
    assert done["added"] == 1
    assert any(m["metadata"]["value"] == "Tokyo" for m in mem0.stored("bob"))
    again = (await client.post("/api/memory/consolidate", headers=headers, json={})).json()
    assert again["changed"] is False


async def test_account_deletion_reaches_every_provider(client, app, clock, zep, mem0):
    headers = await auth_headers(client, "carol")
    await say(client, headers, "s", "I live in Pune.")
    await drain_until_done(app, clock)
    assert zep.users
    assert mem0.stored("carol")
    zep.fail("DELETE", r"/users/.*", 503, times=2)  # a short outage on the way
    assert (await client.delete("/api/users/me", headers=headers)).status_code == 204
    await drain_until_done(app, clock)
    assert zep.users == {}
    assert mem0.stored("carol") == []
    assert mem0.of("DELETE", r"/v2/entities/user/carol/")


async def test_forgetting_a_user_through_the_library_reaches_every_provider(
    client, app, clock, zep, mem0
):
    # The library's forget_user is the account-deletion use case, not a shortcut that
    # deletes the local rows only: with Zep and Mem0 in their roles, they forget too.
    headers = await auth_headers(client, "erin")
    await say(client, headers, "s", "I live in Porto.")
    await drain_until_done(app, clock)
    assert zep.users
    assert mem0.stored("erin")
    memory = Memory(app.state.services)
    await memory.forget_user("erin")
    await drain_until_done(app, clock)
    assert zep.users == {}
    assert mem0.stored("erin") == []
    assert mem0.of("DELETE", r"/v2/entities/user/erin/")


async def test_no_lost_writes_while_providers_are_down(
    client, app, clock, zep, mem0, zep_network, mem0_network
):
    headers = await auth_headers(client, "dave")
    # Zep refuses connections, times out, answers 500s, then 429 with Retry-After;
    # Mem0 is unreachable, then answers 503s
    zep_network.refusals, zep_network.timeouts = 3, 3
    mem0_network.refusals, mem0_network.timeouts = 2, 2
    zep.fail("POST", r"/threads/.*/messages", 500, times=4)
    zep.fail("POST", r"/threads/.*/messages", 429, times=2, retry_after="1")
    for _ in range(6):
        mem0.fail("POST", r"/v3/memories/add/", httpx.Response(503))
    sent = [
        "I live in Lisbon.",
        "I work at Initech.",
        "My dog's name is Rex.",
        "I like jazz.",
    ]
    for text in sent:
        response = await client.post(
            "/api/chat", headers=headers, json={"session_id": "s", "message": text}
        )
        assert response.status_code == 200, response.text  # chat answers meanwhile
    history = (await client.get("/api/history", headers=headers, params={"session_id": "s"})).json()
    assert len(history["items"]) == 2 * len(sent)  # every message, from PostgreSQL

    await drain_until_done(app, clock)
    [thread] = zep.threads.values()
    delivered = Counter(m["content"] for m in zep.messages[thread["uuid"]])
    expected = [m["content"] for m in history["items"]]
    assert sorted(delivered.elements()) == sorted(expected)  # each exactly once
    memories = Counter(m["metadata"]["value"] for m in mem0.stored("dave"))
    assert memories == Counter({"Lisbon": 1, "Initech": 1, "Rex": 1, "jazz": 1})
    dead = await app.state.services.outbox.dead(limit=10)
    assert dead == []
