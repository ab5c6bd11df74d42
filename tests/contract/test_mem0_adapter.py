"""Contract of the Mem0 adapters (FactMemory, UserDirectory) against an in-memory Mem0
Platform (``tests/support/mem0_fake.py``): the wire shapes match the requests the
official SDK 2.2.1 sends (``tests/support/mem0_captured.py``), responses are read as the
Platform OpenAPI spec describes them, and the FactMemory contract holds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from hybridmem.adapters.mem0.client import Mem0Client, mem0_http_client
from hybridmem.adapters.mem0.facts import Mem0FactMemory
from hybridmem.adapters.mem0.mapping import memory_to_fact
from hybridmem.adapters.mem0.users import Mem0UserDirectory
from hybridmem.domain.accounts import User
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import (
    InvalidInput,
    NotFound,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from hybridmem.domain.facts import Fact, FactSource, make_candidate
from hybridmem.domain.retrieval import FactEventKind, FactQuery
from hybridmem.domain.temporal import (
    TemporalAction,
    TemporalDecision,
    TemporalPlan,
    plan_temporal_update,
)
from tests.support.mem0_captured import SDK_REQUESTS, captured
from tests.support.mem0_fake import FakeMem0, Recorded

T0 = datetime(2024, 1, 1, tzinfo=UTC)
MEMORY = r"/v1/memories/[^/]+/"


class InMemoryLinks:
    """``ProviderLinks`` in a dict."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str, str], str] = {}

    async def get(self, provider: str, kind: str, user_id: str, local_id: str) -> str | None:
        return self.rows.get((provider, kind, user_id, local_id))

    async def put(
        self, provider: str, kind: str, user_id: str, local_id: str, remote_id: str
    ) -> None:
        self.rows[(provider, kind, user_id, local_id)] = remote_id

    async def forget_user(self, provider: str, user_id: str) -> None:
        self.rows = {k: v for k, v in self.rows.items() if k[0] != provider or k[2] != user_id}


@dataclass
class Harness:
    fake: FakeMem0
    client: Mem0Client
    facts: Mem0FactMemory
    users: Mem0UserDirectory
    sleeps: list[float] = field(default_factory=list)

    def since(self, mark: int) -> list[Recorded]:
        return self.fake.requests[mark:]


Make = Callable[..., Harness]


@pytest.fixture
async def make() -> AsyncIterator[Make]:
    clients: list[httpx.AsyncClient] = []

    def build(
        fake: FakeMem0 | None = None,
        *,
        api_key: str = "m0-test",
        links: InMemoryLinks | None = None,
        **options: Any,
    ) -> Harness:
        fake = fake or FakeMem0()
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        http = mem0_http_client("https://api.mem0.ai/", api_key, 5.0, transport=fake.transport())
        clients.append(http)
        client = Mem0Client(http, sleep=sleep)
        facts = Mem0FactMemory(client, sleep=sleep, links=links, **options)
        return Harness(fake, client, facts, Mem0UserDirectory(client, links=links), sleeps)

    yield build
    for http in clients:
        await http.aclose()


def ids() -> Callable[[], str]:
    counter = iter(range(1, 10_000))
    return lambda: f"fct_{next(counter)}"


async def remember(
    facts: Mem0FactMemory, user: str, new_id: Callable[[], str], *specs: Any
) -> TemporalPlan:
    candidates = [
        make_candidate(attribute, value, observed_at=when, message_id=f"m-{value}", qualifier=q)
        for attribute, value, when, q in specs
    ]
    existing = await facts.current(user)
    plan = plan_temporal_update(existing, [c for c in candidates if c], user_id=user, new_id=new_id)
    await facts.apply(user, plan)
    return plan


def single(plan: TemporalPlan, action: TemporalAction = TemporalAction.ADD) -> Fact:
    [fact] = plan.of(action)
    return fact


# --- wire shapes against the SDK's requests ---------------------------------------------


async def test_add_sends_the_sdk_v3_add_shape_with_the_fact_in_metadata(make: Make) -> None:
    h = make()
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.PET, "Bruno", T0, "dog")))
    [add] = h.fake.of("POST", "/v3/memories/add/")
    sdk = captured("POST", "/v3/memories/add/")  # the SDK's add with a top-level user_id
    assert (add.path, add.query, add.headers["authorization"]) == (
        sdk["path"],
        sdk["query"],
        sdk["auth"],
    )
    assert add.body == {
        "messages": [{"role": "user", "content": "Has a dog named Bruno"}],
        "user_id": "alice",
        "metadata": {
            "hm_fact_id": fact.fact_id,
            "hm_state": "current",
            "attribute": "pet",
            "value": "Bruno",
            "qualifier": "dog",
            "valid_from": T0.isoformat(),
            "valid_to": None,
            "provenance": ["m-Bruno"],
            "source": "rules",
            "confidence": 1.0,
            "superseded_by": None,
            "hm_reason": "new",
            "hm_schema": 1,
        },
        "infer": False,
    }
    assert set(add.body) <= set(sdk["body"])
    assert add.body["messages"][0].keys() == sdk["body"]["messages"][0].keys()
    # The existence check before it: a v3 list by our id, the user inside filters.
    lookup = next(r for r in h.fake.of("POST", "/v3/memories/") if "hm_fact_id" in str(r.body))
    listed = captured("POST", "/v3/memories/", query={"page": ["2"], "page_size": ["50"]})
    assert set(lookup.query) == set(listed["query"])
    assert set(lookup.body) == set(listed["body"])
    assert lookup.body["filters"] == {
        "AND": [{"user_id": "alice"}, {"metadata": {"hm_fact_id": fact.fact_id}}]
    }


async def test_search_puts_the_user_inside_filters_as_the_sdk_does(make: Make) -> None:
    h = make()
    new_id = ids()
    await remember(
        h.facts,
        "alice",
        new_id,
        (Attribute.LOCATION, "Delhi", T0, None),
        (Attribute.LIKES, "jazz", T0, None),
        (Attribute.PET, "Bruno", T0, "dog"),
    )
    await remember(h.facts, "alice", new_id, (Attribute.LOCATION, "Pune", T0 + timedelta(9), None))
    mark = len(h.fake.requests)
    found = await h.facts.search(
        "alice", FactQuery(text="Where do I live?", attributes=(Attribute.LOCATION,))
    )
    plain, steered = h.since(mark)
    sdk = captured("POST", "/v3/memories/search/")  # the SDK's v3 search: AND filters
    assert (plain.method, plain.path, plain.query) == (sdk["method"], sdk["path"], sdk["query"])
    assert plain.body == {
        "query": "Where do I live?",
        "filters": {"AND": [{"user_id": "alice"}, {"metadata": {"hm_state": "current"}}]},
        "top_k": 10,
        "threshold": 0.1,
    }
    assert plain.body["filters"]["AND"][0] == sdk["body"]["filters"]["AND"][0]
    assert set(plain.body) <= set(sdk["body"])
    assert steered.body["filters"]["AND"][2] == {"metadata": {"attribute": "location"}}
    assert steered.body["threshold"] == 0.0
    assert [hit.fact.value for hit in found] == ["Pune"]

    past = await h.facts.search(
        "alice",
        FactQuery(
            text="where did I live before",
            attributes=(Attribute.LOCATION,),
            include_invalidated=True,
        ),
    )
    assert [hit.fact.value for hit in past] == ["Pune", "Delhi"]
    assert past[0].score > past[1].score
    assert {"metadata": {"hm_state": "current"}} not in h.fake.requests[-1].body["filters"]["AND"]
    dog = await h.facts.search("alice", FactQuery(text="what is my dog called"))
    assert dog[0].fact.value == "Bruno"
    assert await h.facts.search("bob", FactQuery(text="jazz")) == []
    assert await h.facts.search("alice", FactQuery(text="   ")) == []


async def test_list_reads_every_mem0_page_and_pages_newest_first(make: Make) -> None:
    h = make(page_size=2)
    new_id = ids()
    # Stored newest first, so Mem0's own order (creation) is the reverse of ours.
    for day in reversed(range(5)):
        await remember(
            h.facts, "alice", new_id, (Attribute.HOBBIES, f"hobby {day}", T0 + timedelta(day), None)
        )
    mark = len(h.fake.requests)
    seen, cursor, pages = [], None, 0
    while True:
        page = await h.facts.list("alice", limit=2, cursor=cursor, include_invalidated=False)
        seen += [fact.value for fact in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"hobby {day}" for day in reversed(range(5))]
    assert pages == 3
    first_scan = h.since(mark)[:3]
    sdk = captured("POST", "/v3/memories/", query={"page": ["2"], "page_size": ["50"]})
    assert [r.query for r in first_scan] == [
        {"page": [str(n)], "page_size": ["2"]} for n in (1, 2, 3)
    ]
    for request in first_scan:
        assert (request.method, request.path) == (sdk["method"], sdk["path"])
        assert set(request.query) == set(sdk["query"])
        assert set(request.body) == set(sdk["body"])
        assert request.body["filters"]["AND"][0] == {"user_id": "alice"}
    with pytest.raises(InvalidInput):
        await h.facts.list("alice", limit=2, cursor="not-a-cursor", include_invalidated=False)


async def test_get_update_delete_history_match_the_sdk_paths(make: Make) -> None:
    h = make()
    await remember(h.facts, "alice", ids(), (Attribute.EMPLOYER, "Acme", T0, None))
    [fact] = await h.facts.current("alice")
    [memory] = h.fake.stored("alice")
    mid = memory["id"]

    mark = len(h.fake.requests)
    assert await h.facts.get("alice", fact.fact_id) == fact
    [get] = h.since(mark)
    sdk_get = captured("GET", "/v1/memories/mem-1/")
    assert (get.path, get.query, get.body) == (
        sdk_get["path"].replace("mem-1", mid),
        sdk_get["query"],
        sdk_get["body"],
    )

    corrected = replace(fact, value="Globex", text="Works at Globex")
    assert await h.facts.update("alice", corrected, reason="fix") == corrected
    [put] = h.fake.of("PUT", MEMORY)
    sdk_put = captured("PUT", "/v1/memories/mem-1/")
    assert put.path == sdk_put["path"].replace("mem-1", mid)
    assert put.body.keys() == sdk_put["body"].keys()
    assert put.body["text"] == "Works at Globex"
    assert put.body["metadata"]["value"] == "Globex"
    assert await h.facts.get("alice", fact.fact_id) == corrected

    await h.facts.delete("alice", fact.fact_id, reason="bye")
    [delete] = h.fake.of("DELETE", MEMORY)
    sdk_delete = captured("DELETE", "/v1/memories/mem-1/", query={})  # not delete_linked
    assert (delete.path, delete.query, delete.body) == (
        sdk_delete["path"].replace("mem-1", mid),
        sdk_delete["query"],
        sdk_delete["body"],
    )
    with pytest.raises(NotFound):
        await h.facts.get("alice", fact.fact_id)
    with pytest.raises(NotFound):
        await h.facts.delete("alice", fact.fact_id, reason="again")

    events = await h.facts.history("alice", fact.fact_id)
    [history] = h.fake.of("GET", r"/v1/memories/[^/]+/history/")
    assert history.path == captured("GET", "/v1/memories/mem-1/history/")["path"].replace(
        "mem-1", mid
    )
    assert [e.kind for e in events] == [
        FactEventKind.ADD,
        FactEventKind.UPDATE,
        FactEventKind.DELETE,
    ]
    assert [e.reason for e in events] == ["new", "fix", None]
    assert events[1].old is not None
    assert events[1].old["value"] == "Acme"
    assert events[1].new is not None
    assert events[1].new["value"] == "Globex"
    assert events[2].new is None
    assert all(e.fact_id == fact.fact_id for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)


async def test_delete_user_sends_the_sdk_requests_and_404s_count_as_gone(make: Make) -> None:
    links = InMemoryLinks()
    h = make(links=links)
    await remember(h.facts, "alice", ids(), (Attribute.LIKES, "tea", T0, None))
    await remember(h.facts, "bob", ids(), (Attribute.LIKES, "coffee", T0, None))
    await links.put("mem0", "fact", "alice", "fct_x", "m-x")
    mark = len(h.fake.requests)
    await h.users.delete_user("alice")
    delete_all, entity = h.since(mark)
    sdk_all = captured("DELETE", "/v1/memories/", query={"user_id": ["alice"]})
    sdk_entity = captured("DELETE", "/v2/entities/user/alice/")
    for ours, sdk in ((delete_all, sdk_all), (entity, sdk_entity)):
        assert (ours.method, ours.path, ours.query, ours.body) == (
            sdk["method"],
            sdk["path"],
            sdk["query"],
            sdk["body"],
        )
        assert ours.headers["authorization"] == sdk["auth"]
    assert h.fake.stored("alice") == []
    assert len(h.fake.stored("bob")) == 1
    assert links.rows == {}
    await h.users.delete_user("alice")  # the entity is gone: its 404 is success
    await h.users.delete_user("nobody")


async def test_upsert_user_sends_nothing_and_ids_are_path_encoded(make: Make) -> None:
    h = make()
    now = datetime.now(UTC)
    user = User(
        user_id="alice",
        email="alice@example.com",
        first_name="Alice",
        last_name=None,
        about=None,
        metadata={},
        is_admin=False,
        created_at=now,
        updated_at=now,
    )
    await h.users.upsert_user(user)
    assert h.fake.requests == []
    await h.users.delete_user("bob+1@example.com")
    entity = h.fake.requests[-1]
    assert entity.raw_path == "/v2/entities/user/bob%2B1%40example.com/"
    assert entity.path == "/v2/entities/user/bob+1@example.com/"
    with pytest.raises(InvalidInput):
        await h.users.delete_user("*")


async def test_every_request_carries_the_token_as_the_sdk_does(make: Make) -> None:
    h = make()
    await remember(h.facts, "alice", ids(), (Attribute.LOCATION, "Delhi", T0, None))
    await h.facts.search("alice", FactQuery(text="Delhi"))
    await h.facts.list("alice", limit=5, cursor=None, include_invalidated=True)
    assert {sdk["auth"] for sdk in SDK_REQUESTS} == {"Token m0-test"}
    assert h.fake.requests
    assert {r.headers["authorization"] for r in h.fake.requests} == {"Token m0-test"}
    with pytest.raises(ValueError, match="API key"):
        mem0_http_client("https://api.mem0.ai", "", 5.0)


# --- the async add --------------------------------------------------------------------


async def test_a_queued_add_is_polled_until_it_succeeds(make: Make) -> None:
    h = make(FakeMem0(pending_polls=2), event_poll_interval=0.25)
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.NAME, "Asha", T0, None)))
    event_id = next(iter(h.fake.events))
    polls = h.fake.of("GET", r"/v1/event/[^/]+/")
    assert [p.path for p in polls] == [f"/v1/event/{event_id}/"] * 3  # PENDING, RUNNING, done
    assert h.sleeps == [0.25, 0.25]
    [memory] = h.fake.stored("alice")
    mark = len(h.fake.requests)
    assert await h.facts.get("alice", fact.fact_id) == fact
    assert [(r.method, r.path) for r in h.since(mark)] == [("GET", f"/v1/memories/{memory['id']}/")]


async def test_a_synchronous_add_answer_gives_the_id_without_polling(make: Make) -> None:
    h = make(FakeMem0(add_mode="sync"))
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.AGE, "30", T0, None)))
    assert h.fake.of("GET", r"/v1/event/[^/]+/") == []
    mark = len(h.fake.requests)
    assert await h.facts.get("alice", fact.fact_id) == fact
    assert [r.method for r in h.since(mark)] == ["GET"]


async def test_without_waiting_the_id_is_found_by_metadata_later(make: Make) -> None:
    h = make(wait_for_add=False)
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.DIET, "vegan", T0, None)))
    assert h.fake.of("GET", r"/v1/event/[^/]+/") == []
    with pytest.raises(NotFound):  # still queued at Mem0
        await h.facts.get("alice", fact.fact_id)
    h.fake.process()
    assert await h.facts.get("alice", fact.fact_id) == fact


async def test_an_event_still_pending_after_the_bounded_polls_is_not_an_error(
    make: Make,
) -> None:
    h = make(FakeMem0(pending_polls=100), event_poll_attempts=3)
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.HOMETOWN, "Goa", T0, None)))
    assert len(h.fake.of("GET", r"/v1/event/[^/]+/")) == 3
    h.fake.process()
    assert await h.facts.get("alice", fact.fact_id) == fact


async def test_a_failed_add_event_fails_the_apply_and_a_retry_stores_once(make: Make) -> None:
    fake = FakeMem0(fail_events=True)
    h = make(fake)
    new_id = ids()
    with pytest.raises(UpstreamUnavailable, match="could not store"):
        await remember(h.facts, "alice", new_id, (Attribute.LIKES, "tea", T0, None))
    assert fake.stored("alice") == []
    fake.fail_events = False
    plan = await remember(h.facts, "alice", new_id, (Attribute.LIKES, "tea", T0, None))
    await h.facts.apply("alice", plan)
    assert len(fake.stored("alice")) == 1


# --- the FactMemory contract ------------------------------------------------------------


async def test_a_fact_round_trips_through_a_mem0_memory(make: Make) -> None:
    h = make()
    ist = timezone(timedelta(hours=5, minutes=30))
    fact = Fact(
        fact_id="fct_round",
        user_id="alice",
        attribute=Attribute.FAMILY_MEMBER,
        value="Meera",
        valid_from=datetime(2023, 5, 6, 7, 8, 9, 123456, tzinfo=ist),
        text="Has a sister named Meera",
        qualifier="sister",
        valid_to=datetime(2024, 2, 3, 4, 5, 6, 654321, tzinfo=UTC),
        provenance=("msg-1", "msg-2"),
        source=FactSource.LLM,
        confidence=0.75,
        superseded_by="fct_next",
    )
    plan = TemporalPlan((TemporalDecision(TemporalAction.ADD, fact, None, "history"),))
    await h.facts.apply("alice", plan)
    [memory] = h.fake.stored("alice")
    assert memory["memory"] == fact.text
    assert memory_to_fact(memory, "alice") == fact
    got = await h.facts.get("alice", fact.fact_id)
    assert got == fact
    assert got.valid_from.utcoffset() == fact.valid_from.utcoffset()
    page = await h.facts.list("alice", limit=10, cursor=None, include_invalidated=True)
    assert list(page.items) == [fact]
    current = await h.facts.list("alice", limit=10, cursor=None, include_invalidated=False)
    assert list(current.items) == []  # a closed fact
    assert memory_to_fact(memory, "bob") is None


async def test_reapplying_a_plan_stores_nothing_twice(make: Make) -> None:
    h = make()
    plan = await remember(
        h.facts,
        "alice",
        ids(),
        (Attribute.LIKES, "chess", T0, None),
        (Attribute.PET, "Bruno", T0, "dog"),
    )
    await h.facts.apply("alice", plan)  # a retried job
    cold = make(h.fake)  # another process: nothing cached
    await cold.facts.apply("alice", plan)
    assert len(h.fake.stored("alice")) == 2
    assert len(h.fake.of("POST", "/v3/memories/add/")) == 2
    chess = next(f for f in plan.added if f.value == "chess")
    assert [e.kind for e in await cold.facts.history("alice", chess.fact_id)] == [FactEventKind.ADD]


async def test_a_new_value_closes_the_old_one_with_a_put(make: Make) -> None:
    h = make()
    new_id = ids()
    delhi = single(
        await remember(h.facts, "alice", new_id, (Attribute.LOCATION, "Delhi", T0, None))
    )
    later = T0 + timedelta(days=30)
    plan = await remember(h.facts, "alice", new_id, (Attribute.LOCATION, "Mumbai", later, None))
    mumbai = single(plan)
    [put] = h.fake.of("PUT", MEMORY)
    assert put.body["text"] == "Lives in Delhi"
    metadata = put.body["metadata"]
    assert (metadata["valid_to"], metadata["superseded_by"], metadata["hm_state"]) == (
        later.isoformat(),
        mumbai.fact_id,
        "closed",
    )
    assert [f.value for f in await h.facts.current("alice", [Attribute.LOCATION])] == ["Mumbai"]
    events = await h.facts.history("alice", delhi.fact_id)
    assert [e.kind for e in events] == [FactEventKind.ADD, FactEventKind.INVALIDATE]
    assert events[1].old is not None
    assert events[1].old["valid_to"] is None
    assert events[1].new is not None
    assert events[1].new["valid_to"] == later.isoformat()
    assert events[1].reason == "superseded"

    await h.facts.apply("alice", plan)  # re-applied: no second PUT, no second add
    assert len(h.fake.of("PUT", MEMORY)) == 1
    assert len(h.fake.of("POST", "/v3/memories/add/")) == 2


async def test_current_filters_by_attributes(make: Make) -> None:
    h = make()
    await remember(
        h.facts,
        "alice",
        ids(),
        (Attribute.LOCATION, "Delhi", T0, None),
        (Attribute.LIKES, "tea", T0 + timedelta(1), None),
        (Attribute.PET, "Rex", T0, "dog"),
    )
    mark = len(h.fake.requests)
    found = await h.facts.current("alice", [Attribute.LIKES, Attribute.LOCATION])
    assert [f.value for f in found] == ["Delhi", "tea"]  # oldest first
    [scan] = h.since(mark)
    assert scan.body["filters"]["AND"][2] == {
        "OR": [{"metadata": {"attribute": "likes"}}, {"metadata": {"attribute": "location"}}]
    }
    assert await h.facts.current("alice", []) == []
    assert len(h.fake.requests) == mark + 1


async def test_isolation_and_unknown_facts(make: Make) -> None:
    h = make()
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.EMPLOYER, "Acme", T0, None)))
    for call in (h.facts.get, h.facts.history):
        with pytest.raises(NotFound):
            await call("bob", fact.fact_id)
        with pytest.raises(NotFound):
            await call("alice", "fct_unknown")
    with pytest.raises(NotFound):
        await h.facts.delete("bob", fact.fact_id, reason="not mine")
    with pytest.raises(NotFound):
        await h.facts.update("alice", replace(fact, fact_id="fct_unknown"), reason="x")
    with pytest.raises(InvalidInput):
        await h.facts.update("bob", fact, reason="not mine")
    with pytest.raises(InvalidInput):
        await h.facts.apply(
            "bob", TemporalPlan((TemporalDecision(TemporalAction.ADD, fact, None, "x"),))
        )
    assert h.fake.of("DELETE") == []
    assert len(h.fake.stored("alice")) == 1


async def test_memories_hybridmem_did_not_write_are_left_out(make: Make) -> None:
    h = make()
    await remember(h.facts, "alice", ids(), (Attribute.LIKES, "tea", T0, None))
    stamp = "2025-06-01T00:00:00+00:00"
    h.fake.memories["foreign"] = {
        "id": "foreign",
        "memory": "Likes tea very much",
        "user_id": "alice",
        "metadata": {"src": "dashboard"},
        "created_at": stamp,
    }
    h.fake.memories["damaged"] = {
        "id": "damaged",
        "memory": "Likes tea a lot",
        "user_id": "alice",
        "metadata": {"hm_fact_id": "fct_bad", "hm_state": "current", "attribute": "nope"},
        "created_at": stamp,
    }
    page = await h.facts.list("alice", limit=10, cursor=None, include_invalidated=True)
    assert [f.value for f in page.items] == ["tea"]
    assert [hit.fact.value for hit in await h.facts.search("alice", FactQuery(text="tea"))] == [
        "tea"
    ]
    with pytest.raises(NotFound):
        await h.facts.get("alice", "fct_bad")


async def test_history_of_a_deleted_fact_survives_a_restart_through_links(make: Make) -> None:
    links = InMemoryLinks()
    h = make(links=links)
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.LIKES, "tea", T0, None)))
    await h.facts.delete("alice", fact.fact_id, reason="bye")
    restarted = make(h.fake, links=links)
    kinds = [e.kind for e in await restarted.facts.history("alice", fact.fact_id)]
    assert kinds == [FactEventKind.ADD, FactEventKind.DELETE]
    with pytest.raises(NotFound):
        await restarted.facts.history("bob", fact.fact_id)
    with pytest.raises(NotFound):  # no links: nothing left to find the memory by
        await make(h.fake).facts.history("alice", fact.fact_id)


# --- deletes: NotFound for the user, idempotent for our own retries ---------------------


async def test_a_delete_whose_response_was_lost_succeeds_on_retry(make: Make) -> None:
    h = make()
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.LIKES, "tea", T0, None)))
    h.fake.fail("DELETE", MEMORY, httpx.Response(502), after=True)  # deleted, answer lost
    h.sleeps.clear()
    await h.facts.delete("alice", fact.fact_id, reason="bye")
    assert len(h.fake.of("DELETE", MEMORY)) == 2  # the retry met a 404: our own delete
    assert h.fake.stored("alice") == []
    assert h.sleeps == [0.5]


async def test_a_memory_gone_before_our_delete_is_not_found(make: Make) -> None:
    h = make()
    new_id = ids()
    tea = single(await remember(h.facts, "alice", new_id, (Attribute.LIKES, "tea", T0, None)))
    h.fake.fail("DELETE", MEMORY, httpx.Response(404, json={"error": "Memory not found!"}))
    with pytest.raises(NotFound):  # deleted by someone else between our read and delete
        await h.facts.delete("alice", tea.fact_id, reason="bye")
    jam = single(await remember(h.facts, "alice", new_id, (Attribute.LIKES, "jam", T0, None)))
    memory_id = next(m["id"] for m in h.fake.stored("alice") if m["memory"] == "Likes jam")
    del h.fake.memories[memory_id]  # gone behind our cache
    deletes = len(h.fake.of("DELETE"))
    with pytest.raises(NotFound):
        await h.facts.delete("alice", jam.fact_id, reason="bye")
    assert len(h.fake.of("DELETE")) == deletes


# --- errors and retries ------------------------------------------------------------------


async def test_refused_credentials_are_upstream_unavailable(make: Make) -> None:
    h = make(api_key="m0-wrong")
    with pytest.raises(UpstreamUnavailable, match="credentials"):
        await h.facts.get("alice", "fct_1")
    assert {r.headers["authorization"] for r in h.fake.requests} == {"Token m0-wrong"}


async def test_a_404_is_not_found(make: Make) -> None:
    h = make()
    with pytest.raises(NotFound):
        await h.client.get("00000000-0000-0000-0000-00000000dead")
    with pytest.raises(NotFound):
        await h.client.history("00000000-0000-0000-0000-00000000dead")


async def test_429_waits_retry_after_then_succeeds(make: Make) -> None:
    h = make()
    h.fake.fail("POST", "/v3/memories/search/", httpx.Response(429, headers={"Retry-After": "3"}))
    assert await h.facts.search("alice", FactQuery(text="tea")) == []
    assert len(h.fake.of("POST", "/v3/memories/search/")) == 2
    assert h.sleeps == [3.0]


async def test_429_until_the_attempts_run_out_is_upstream_rate_limited(make: Make) -> None:
    h = make()
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    h.fake.fail("POST", "/v3/memories/search/", limited, limited, limited)
    with pytest.raises(UpstreamRateLimited) as caught:
        await h.facts.search("alice", FactQuery(text="tea"))
    assert caught.value.retry_after == 7.0
    assert h.sleeps == [7.0, 7.0]


async def test_a_500_on_an_idempotent_call_is_retried(make: Make) -> None:
    h = make()
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.LIKES, "tea", T0, None)))
    h.fake.fail("GET", MEMORY, httpx.Response(500))
    h.fake.fail("PUT", MEMORY, httpx.Response(503))
    h.sleeps.clear()
    assert await h.facts.get("alice", fact.fact_id) == fact
    assert len(h.fake.of("GET", MEMORY)) == 2
    corrected = replace(fact, value="green tea", text="Likes green tea")
    await h.facts.update("alice", corrected, reason="fix")
    assert len(h.fake.of("PUT", MEMORY)) == 2
    assert h.sleeps == [0.5, 0.5]
    assert await h.facts.get("alice", fact.fact_id) == corrected


async def test_a_failed_add_is_resent_only_when_it_was_not_stored(make: Make) -> None:
    fake = FakeMem0(add_mode="sync")  # infer=false: processed at once, per the spec
    h = make(fake)
    new_id = ids()
    fake.fail("POST", "/v3/memories/add/", httpx.Response(500))  # refused: nothing stored
    await remember(h.facts, "alice", new_id, (Attribute.LIKES, "tea", T0, None))
    assert len(fake.of("POST", "/v3/memories/add/")) == 2
    fake.fail("POST", "/v3/memories/add/", httpx.Response(502), after=True)  # stored, lost
    await remember(h.facts, "alice", new_id, (Attribute.LIKES, "jam", T0, None))
    assert len(fake.of("POST", "/v3/memories/add/")) == 3  # the check found it: no resend
    assert sorted(m["memory"] for m in fake.stored("alice")) == ["Likes jam", "Likes tea"]


async def test_a_malformed_answer_is_upstream_unavailable(make: Make) -> None:
    h = make()
    h.fake.fail("POST", "/v3/memories/search/", httpx.Response(200, text="<html>oops</html>"))
    with pytest.raises(UpstreamUnavailable, match="malformed"):
        await h.facts.search("alice", FactQuery(text="tea"))


async def test_closing_a_fact_mem0_does_not_show_yet_fails_for_a_retry(make: Make) -> None:
    h = make()
    ghost = Fact(
        fact_id="fct_ghost", user_id="alice", attribute=Attribute.AGE, value="30", valid_from=T0
    )
    closed = ghost.closed(T0 + timedelta(1))
    plan = TemporalPlan((TemporalDecision(TemporalAction.CLOSE, closed, ghost, "superseded"),))
    with pytest.raises(UpstreamUnavailable, match="not visible"):
        await h.facts.apply("alice", plan)


async def test_a_duplicated_memory_reads_as_one_fact_and_deletes_entirely(make: Make) -> None:
    h = make()
    fact = single(await remember(h.facts, "alice", ids(), (Attribute.LIKES, "tea", T0, None)))
    [original] = h.fake.stored("alice")
    # The same add run twice at once (two workers): a younger copy with changed text.
    copy = {**original, "id": "copy", "memory": "Likes tea (copy)", "created_at": "2099-01-01"}
    h.fake.memories["copy"] = copy
    h.fake.histories["copy"] = []
    cold = make(h.fake)
    assert (await cold.facts.get("alice", fact.fact_id)).text == "Likes tea"
    page = await cold.facts.list("alice", limit=10, cursor=None, include_invalidated=True)
    assert [f.text for f in page.items] == ["Likes tea"]
    await cold.facts.delete("alice", fact.fact_id, reason="bye")
    assert h.fake.stored("alice") == []
