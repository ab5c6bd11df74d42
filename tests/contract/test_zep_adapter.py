"""Contract of the Zep v4 adapters against an in-memory Zep (``httpx.MockTransport``):
the requests match what the official Python SDK 4.0.1 sends (method, URL, API-key auth,
Idempotency-Key on every POST/PATCH/DELETE, JSON field names and shapes), answers map to
domain types, and errors, retries and pagination behave."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hybridmem.adapters.zep import (
    ZepChatHistory,
    ZepClient,
    ZepContext,
    ZepGraphMemory,
    ZepUserDirectory,
    zep_http_client,
)
from hybridmem.adapters.zep.wire import (
    MESSAGE_ID_KEY,
    SESSION_ID_KEY,
    parse_time,
    relation_type_for,
)
from hybridmem.domain.accounts import User
from hybridmem.domain.episodes import Episode, EpisodeKind
from hybridmem.domain.errors import (
    InvalidInput,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from hybridmem.domain.graph import EntityType, GraphUpdate, RelationType
from hybridmem.domain.messages import NewMessage, Role
from hybridmem.domain.pagination import decode_cursor
from hybridmem.domain.retrieval import RelationQuery
from tests.support.zep_fake import API_KEY, BASE_URL, FakeZep, InMemoryProviderLinks

V4 = f"{BASE_URL}/api/v4"
T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

# What the official SDK 4.0.1 sends (shared/reference/zep/official-sdk-4.0.1-requests.txt).
SDK_CREATE_USER = {
    "email": "a@x.io",
    "first_name": "Alice",
    "metadata": {"plan": "pro"},
    "user_id": "alice",
}
SDK_LOOKUP_USER = {"user_id": "alice"}
SDK_UPDATE_USER = {"metadata": {"plan": "team"}}
SDK_CREATE_THREAD = {"user_uuid": "u-uuid-1"}
SDK_ADD_MESSAGES = {
    "ignore_roles": ["assistant"],
    "messages": [
        {
            "content": "I moved to Berlin",
            "metadata": {"k": 1},
            "name": "Alice",
            "reference_time": "2025-01-02T03:04:05Z",
            "role": "user",
        }
    ],
    "return_context": True,
}
SDK_ADD_EPISODE = {"data": "Alice likes tea", "source_description": "crm", "type": "text"}
SDK_ADD_JSON_EPISODE = {"data": '{"a": 1}', "type": "json"}
SDK_VALID_NOW = {
    "date_filters": {"any_of": [{"all_of": [{"field": "invalid_at", "operator": "is_null"}]}]}
}
SDK_SEARCH_EDGES = {"query": "tea", "filters": SDK_VALID_NOW, "reranker": "cross_encoder"}
SDK_SEARCH_EPISODES = {"query": "tea"}

# JSON fields each endpoint takes (shared/reference/zep/v4-endpoints.txt).
V4_FIELDS = {
    ("POST", r"/users"): {"content_policy", "disable_default_ontology", "email", "first_name",
                          "last_name", "metadata", "time_zone", "user_id"},
    ("POST", r"/users/lookup"): {"graph_id", "thread_id", "user_id"},
    ("PATCH", r"/users/[^/]+"): {"disable_default_ontology", "email", "first_name", "last_name",
                                 "metadata", "time_zone"},
    ("POST", r"/threads"): {"user_uuid"},
    ("POST", r"/threads/[^/]+/messages"): {"ignore_roles", "messages", "return_context",
                                           "strict_ontology"},
    ("POST", r"/graphs/[^/]+/episodes"): {"data", "document_id", "metadata", "reference_time",
                                          "source_description", "strict_ontology", "type"},
    ("POST", r"/graphs/[^/]+/search/edges"): {"query", "bfs_origin_node_uuids",
                                              "center_node_uuid", "filter_low_quality_results",
                                              "filters", "mmr_lambda", "reranker"},
    ("POST", r"/graphs/[^/]+/search/episodes"): {"query", "bfs_origin_node_uuids",
                                                 "center_node_uuid", "filter_low_quality_results",
                                                 "filters", "mmr_lambda", "reranker"},
    ("POST", r"/graphs/[^/]+/edges/list"): {"filters"},
    ("POST", r"/graphs/[^/]+/nodes/list"): {"filters"},
}  # fmt: skip
ADD_MESSAGE_FIELDS = {"content", "metadata", "name", "role", "reference_time"}


def alice(**changes: object) -> User:
    fields: dict[str, object] = {
        "user_id": "alice",
        "email": "a@x.io",
        "first_name": "Alice",
        "last_name": None,
        "about": None,
        "metadata": {"plan": "pro"},
        "is_admin": False,
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(changes)
    return User(**fields)


def said(message_id: str, content: str, *, role: Role = Role.USER, **extra: object) -> NewMessage:
    return NewMessage(message_id=message_id, role=role, content=content, **extra)


@pytest.fixture
def zep() -> FakeZep:
    return FakeZep()


@pytest.fixture
def links() -> InMemoryProviderLinks:
    return InMemoryProviderLinks()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
async def client(zep: FakeZep, sleeps: list[float]):
    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    http = zep_http_client(BASE_URL, API_KEY, 5.0, transport=zep.transport())
    yield ZepClient(http, sleep=no_wait)
    await http.aclose()


@pytest.fixture
def history(client: ZepClient, links: InMemoryProviderLinks) -> ZepChatHistory:
    return ZepChatHistory(client, links)


@pytest.fixture
def graph(client: ZepClient, links: InMemoryProviderLinks) -> ZepGraphMemory:
    return ZepGraphMemory(client, links)


@pytest.fixture(autouse=True)
def _wire_rules(zep: FakeZep):
    """After every test: each request was authenticated like the SDK's, carried an
    Idempotency-Key exactly when the SDK sends one, and used only documented fields."""
    yield
    for request in zep.requests:
        assert request.headers["authorization"] == f"Api-Key {API_KEY}"
        assert (request.idempotency_key is not None) == (request.method != "GET"), request.url
        for (method, pattern), allowed in V4_FIELDS.items():
            if request.method == method and _matches(pattern, request.path):
                assert set(request.body) <= allowed, (request.path, request.body)
        if request.method == "POST" and request.path.endswith("/messages"):
            for message in request.body["messages"]:
                assert set(message) <= ADD_MESSAGE_FIELDS


def _matches(pattern: str, path: str) -> bool:
    return re.fullmatch(pattern, path) is not None


# -- the HTTP client ---------------------------------------------------------------------


async def test_http_client_factory_targets_v4_with_the_api_key():
    for base in ("https://api.getzep.com", "https://api.getzep.com/", f"{V4}/"):
        http = zep_http_client(base, "z_KEY", 7.5)
        assert str(http.base_url) == f"{V4}/"
        assert http.headers["authorization"] == "Api-Key z_KEY"
        assert http.timeout == httpx.Timeout(7.5)
        await http.aclose()


# -- users ---------------------------------------------------------------------------------


async def test_upsert_creates_the_user_like_the_sdk_and_links_its_uuid(client, links, zep):
    await ZepUserDirectory(client, links).upsert_user(alice())

    [create] = zep.requests
    assert (create.method, create.url) == ("POST", f"{V4}/users")
    assert create.body == SDK_CREATE_USER
    assert links.links == {("zep", "user", "alice", "alice"): "u-uuid-1"}


async def test_upsert_of_a_linked_user_patches_it(client, links, zep):
    directory = ZepUserDirectory(client, links)
    await directory.upsert_user(alice())
    await directory.upsert_user(alice(metadata={"plan": "team"}, updated_at=T0 + timedelta(1)))

    patch = zep.requests[-1]
    assert (patch.method, patch.url) == ("PATCH", f"{V4}/users/u-uuid-1")
    assert patch.body["metadata"] == SDK_UPDATE_USER["metadata"]
    assert patch.body == {"email": "a@x.io", "first_name": "Alice", "metadata": {"plan": "team"}}
    assert zep.users["u-uuid-1"]["metadata"] == {"plan": "team"}


async def test_upsert_recreates_a_user_deleted_at_zep(client, links, zep):
    directory = ZepUserDirectory(client, links)
    await directory.upsert_user(alice())
    del zep.users["u-uuid-1"]

    await directory.upsert_user(alice())

    assert [(r.method, r.path) for r in zep.requests[1:]] == [
        ("PATCH", "/users/u-uuid-1"),
        ("POST", "/users"),  # under a new key: the first one would replay the dead user
    ]
    assert links.links[("zep", "user", "alice", "alice")] == "u-uuid-2"


async def test_409_on_create_looks_the_user_up_and_updates_it(client, links, zep):
    zep.users["u-uuid-9"] = {"uuid": "u-uuid-9", "user_id": "alice", "metadata": {}}
    await ZepUserDirectory(client, links).upsert_user(alice())

    assert [(r.method, r.path) for r in zep.requests] == [
        ("POST", "/users"),
        ("POST", "/users/lookup"),
        ("PATCH", "/users/u-uuid-9"),
    ]
    assert zep.requests[1].body == SDK_LOOKUP_USER
    assert zep.users["u-uuid-9"]["email"] == "a@x.io"
    assert links.links[("zep", "user", "alice", "alice")] == "u-uuid-9"


async def test_a_retried_upsert_reuses_its_idempotency_key(client, links, zep, sleeps):
    zep.fail("POST", r"/users", 500)
    await ZepUserDirectory(client, links).upsert_user(alice())

    first, retry = zep.calls("POST", r"/users")
    assert first.idempotency_key == retry.idempotency_key
    assert len(zep.users) == 1
    assert sleeps == [0.5]


async def test_a_new_profile_version_gets_a_new_key_even_with_old_values(client, links, zep):
    directory = ZepUserDirectory(client, links)
    await directory.upsert_user(alice())
    for day, plan in ((1, "team"), (2, "pro")):
        await directory.upsert_user(alice(metadata={"plan": plan}, updated_at=T0 + timedelta(day)))

    keys = [r.idempotency_key for r in zep.calls("PATCH")]
    assert len(set(keys)) == 2
    assert zep.users["u-uuid-1"]["metadata"] == {"plan": "pro"}


async def test_delete_user_deletes_it_and_forgets_links_and_gone_is_fine(client, links, zep):
    directory = ZepUserDirectory(client, links)
    await directory.upsert_user(alice())
    await links.put("zep", "thread", "alice", "s1", "th-uuid-1")

    await directory.delete_user("alice")
    delete = zep.requests[-1]
    assert (delete.method, delete.url, delete.body) == ("DELETE", f"{V4}/users/u-uuid-1", None)
    assert zep.users == {}
    assert links.links == {}

    await links.put("zep", "user", "alice", "alice", "u-uuid-1")  # a stale link: Zep says 404
    await directory.delete_user("alice")
    assert zep.requests[-1].method == "DELETE"
    assert links.links == {}

    await directory.delete_user("alice")  # nothing linked, Zep has no such user
    assert [(r.method, r.path) for r in zep.requests[-1:]] == [("POST", "/users/lookup")]


# -- chat history ----------------------------------------------------------------------------


async def test_first_append_creates_user_and_thread_then_adds_like_the_sdk(client, links, zep):
    history = ZepChatHistory(client, links, ignore_roles=["assistant"])
    message = said("m1", "I moved to Berlin", name="Alice", occurred_at=T0, metadata={"k": 1})

    [stored] = await history.append("alice", "s1", [message])

    assert [(r.method, r.url) for r in zep.requests] == [
        ("POST", f"{V4}/users/lookup"),
        ("POST", f"{V4}/users"),
        ("POST", f"{V4}/threads"),
        ("POST", f"{V4}/threads/th-uuid-1/messages"),
    ]
    assert zep.requests[1].body == {"user_id": "alice"}
    assert zep.requests[2].body == SDK_CREATE_THREAD
    expected = copy.deepcopy(SDK_ADD_MESSAGES)
    del expected["return_context"]  # we do not use the context the answer could carry
    expected["messages"][0]["metadata"].update({MESSAGE_ID_KEY: "m1", SESSION_ID_KEY: "s1"})
    assert zep.requests[3].body == expected
    assert links.links[("zep", "thread", "alice", "s1")] == "th-uuid-1"
    assert (stored.message_id, stored.user_id, stored.session_id) == ("m1", "alice", "s1")
    assert (stored.role, stored.name, stored.content) == (Role.USER, "Alice", "I moved to Berlin")
    assert stored.occurred_at == T0
    assert stored.metadata == {"k": 1}
    assert stored.created_at == parse_time(zep.messages["th-uuid-1"][0]["created_at"])


async def test_later_appends_reuse_user_and_thread(history, zep):
    await history.append("alice", "s1", [said("m1", "hi")])
    count = len(zep.requests)
    await history.append("alice", "s1", [said("m2", "hello again", role=Role.ASSISTANT)])

    assert [(r.method, r.path) for r in zep.requests[count:]] == [
        ("GET", "/threads/th-uuid-1/messages"),  # are these ids there already?
        ("POST", "/threads/th-uuid-1/messages"),
    ]
    assert zep.requests[-1].body == {
        "messages": [
            {
                "content": "hello again",
                "metadata": {MESSAGE_ID_KEY: "m2", SESSION_ID_KEY: "s1"},
                "role": "assistant",
            }
        ]
    }


async def test_a_retried_add_sends_the_same_key_and_stores_once(history, zep, sleeps):
    await history.append("alice", "s1", [said("m1", "hi")])
    zep.fail("POST", r"/threads/[^/]+/messages", 503)

    [stored] = await history.append("alice", "s1", [said("m2", "there")])

    first, retry = zep.calls("POST", r"/threads/[^/]+/messages")[1:]
    assert first.idempotency_key == retry.idempotency_key
    assert [m["content"] for m in zep.messages["th-uuid-1"]] == ["hi", "there"]
    assert stored.message_id == "m2"
    assert sleeps == [0.5]


@pytest.mark.parametrize("window", [20, 0], ids=["seen-in-thread", "replayed-by-key"])
async def test_a_redelivered_message_is_not_added_twice(client, links, window):
    fresh = FakeZep()
    async with zep_http_client(BASE_URL, API_KEY, 5, transport=fresh.transport()) as http:
        history = ZepChatHistory(ZepClient(http), InMemoryProviderLinks(), dedupe_window=window)
        first = await history.append("alice", "s1", [said("m1", "hi")])
        again = await history.append("alice", "s1", [said("m1", "hi")])
    assert [m.message_id for m in again] == [m.message_id for m in first] == ["m1"]
    assert len(fresh.messages["th-uuid-1"]) == 1
    adds = fresh.calls("POST", r"/threads/[^/]+/messages")
    assert len(adds) == (1 if window else 2)
    assert len({r.idempotency_key for r in adds}) == 1


async def test_large_appends_are_batched_in_order_with_one_key_each(client, links, zep):
    history = ZepChatHistory(client, links, batch_size=30)
    messages = [said(f"m{i}", f"message {i}") for i in range(65)]

    stored = await history.append("alice", "s1", messages)

    adds = zep.calls("POST", r"/threads/[^/]+/messages")
    assert [len(r.body["messages"]) for r in adds] == [30, 30, 5]
    assert len({r.idempotency_key for r in adds}) == 3
    assert [m.message_id for m in stored] == [f"m{i}" for i in range(65)]
    assert [m["content"] for m in zep.messages["th-uuid-1"]] == [f"message {i}" for i in range(65)]


async def test_list_pages_through_the_thread_with_opaque_cursors(history, zep):
    await history.append("alice", "s1", [said(f"m{i}", f"text {i}") for i in range(5)])
    count = len(zep.requests)

    pages, cursor = [], None
    while True:
        page = await history.list("alice", "s1", limit=2, cursor=cursor)
        pages.append([m.message_id for m in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        decode_cursor(cursor, str)  # ours, wrapping Zep's

    assert pages == [["m0", "m1"], ["m2", "m3"], ["m4"]]
    reads = zep.requests[count:]
    assert reads[0].url == f"{V4}/threads/th-uuid-1/messages?page_size=2&order=asc"
    assert "cursor" in reads[1].params
    assert "cursor" in reads[2].params


async def test_recent_returns_the_last_messages_oldest_first(history, zep):
    await history.append("alice", "s1", [said(f"m{i}", f"text {i}") for i in range(5)])

    recent = await history.recent("alice", "s1", 3)

    assert [m.message_id for m in recent] == ["m2", "m3", "m4"]
    assert zep.requests[-1].params == {"page_size": "3", "order": "desc"}


async def test_unknown_or_foreign_sessions_read_as_empty(history, zep):
    await history.append("alice", "s1", [said("m1", "private")])
    count = len(zep.requests)

    assert (await history.list("bob", "s1", limit=10, cursor=None)).items == []
    assert await history.recent("alice", "nope", 10) == []
    assert len(zep.requests) == count  # no link, no call


async def test_messages_written_by_others_keep_zeps_uuid(history, zep, links):
    await history.append("alice", "s1", [said("m1", "ours")])
    zep.messages["th-uuid-1"].append(
        {
            "uuid": "m-foreign",
            "role": "norole",
            "content": "theirs",
            "created_at": "2025-02-01T00:00:00.123456789Z",
        }
    )

    ours, theirs = (await history.list("alice", "s1", limit=10, cursor=None)).items

    assert (ours.message_id, ours.metadata) == ("m1", {})
    assert (theirs.message_id, theirs.role, theirs.name) == ("m-foreign", Role.SYSTEM, None)
    assert theirs.occurred_at == datetime(2025, 2, 1, 0, 0, 0, 123456, tzinfo=UTC)


async def test_a_thread_deleted_at_zep_is_created_again(history, zep, links):
    await history.append("alice", "s1", [said("m1", "hi")])
    del zep.threads["th-uuid-1"]

    [stored] = await history.append("alice", "s1", [said("m2", "still here?")])

    assert links.links[("zep", "thread", "alice", "s1")] == "th-uuid-2"
    assert [m["content"] for m in zep.messages["th-uuid-2"]] == ["still here?"]
    assert stored.message_id == "m2"


async def test_search_finds_our_messages_through_zeps_episode_search(history, graph, zep):
    await history.append("alice", "s1", [said("m1", "I moved to Berlin", name="Alice")])
    await history.append("alice", "s2", [said("m2", "Berlin is cold", role=Role.ASSISTANT)])
    await graph.add_episode("alice", Episode("ep-1", EpisodeKind.TEXT, "Berlin office", T0))

    hits = await history.search("alice", "Berlin", limit=5)

    request = zep.calls("POST", r"/graphs/[^/]+/search/episodes")[0]
    assert request.url == f"{V4}/graphs/u-uuid-1/search/episodes?page_size=5"
    assert request.body == {**SDK_SEARCH_EPISODES, "query": "Berlin"}
    assert [(h.message.message_id, h.message.session_id) for h in hits] == [
        ("m1", "s1"),
        ("m2", "s2"),
    ]  # the business-data episode is not a message of ours
    first = hits[0].message
    assert (first.content, first.role, first.user_id) == ("I moved to Berlin", Role.USER, "alice")
    assert first.metadata == {}
    assert hits[1].message.role is Role.ASSISTANT
    assert all(h.score > 0 for h in hits)


async def test_search_within_a_session_filters_an_overfetched_page(history, zep):
    await history.append("alice", "s1", [said("m1", "tea with milk")])
    await history.append("alice", "s2", [said("m2", "tea without milk")])

    hits = await history.search("alice", "tea", limit=5, session_id="s2")

    assert [h.message.message_id for h in hits] == ["m2"]
    assert zep.requests[-1].params == {"page_size": "15"}
    count = len(zep.requests)
    assert await history.search("alice", "tea", limit=5, session_id="unknown") == []
    assert await history.search("bob", "tea", limit=5) == []
    assert [(r.method, r.path) for r in zep.requests[count:]] == [("POST", "/users/lookup")]


async def test_unknown_ignore_roles_are_refused(client, links):
    with pytest.raises(InvalidInput):
        ZepChatHistory(client, links, ignore_roles=["robot"])


# -- errors and retries --------------------------------------------------------------------


async def test_a_rejected_api_key_is_upstream_unavailable():
    zep = FakeZep(api_key="z_OTHER")

    async def no_wait(_: float) -> None:
        return None

    async with zep_http_client(BASE_URL, API_KEY, 5, transport=zep.transport()) as http:
        directory = ZepUserDirectory(ZepClient(http, sleep=no_wait), InMemoryProviderLinks())
        with pytest.raises(UpstreamUnavailable, match="credentials"):
            await directory.upsert_user(alice())
    # RestClient treats auth failures as "unavailable", so they are retried like outages.
    assert len(zep.requests) == 3


async def test_429_honours_retry_after_then_gives_up_with_it(history, zep, sleeps):
    await history.append("alice", "s1", [said("m1", "hi")])
    zep.fail("GET", r"/threads/[^/]+/messages", 429, times=10, retry_after="7")

    with pytest.raises(UpstreamRateLimited) as caught:
        await history.recent("alice", "s1", 5)

    assert caught.value.retry_after == 7.0
    assert sleeps == [7.0, 7.0]
    assert len(zep.calls("GET")) == 3


async def test_429_once_then_success_is_retried(history, zep, sleeps):
    await history.append("alice", "s1", [said("m1", "hi")])
    zep.fail("GET", r"/threads/[^/]+/messages", 429, retry_after="2")

    assert [m.message_id for m in await history.recent("alice", "s1", 5)] == ["m1"]
    assert sleeps == [2.0]


async def test_500_on_a_read_is_retried(history, zep, sleeps):
    await history.append("alice", "s1", [said("m1", "hi")])
    zep.fail("GET", r"/threads/[^/]+/messages", 500, times=2)

    assert [m.message_id for m in await history.recent("alice", "s1", 5)] == ["m1"]
    assert sleeps == [0.5, 1.0]


async def test_refused_input_and_conflicts_are_not_retried(graph, zep, sleeps):
    # Every Zep call is idempotent (reads, deletes, keyed writes), so only answers that
    # a repeat cannot change stop the retries: 4xx other than 429.
    zep.fail("POST", r"/graphs/[^/]+/episodes", 422)
    episode = Episode("ep-1", EpisodeKind.TEXT, "Alice likes tea", T0)

    with pytest.raises(InvalidInput):
        await graph.add_episode("alice", episode)
    assert len(zep.calls("POST", r"/graphs/[^/]+/episodes")) == 1
    assert sleeps == []


# -- graph -----------------------------------------------------------------------------------


def seed_graph(zep: FakeZep) -> dict[str, str]:
    """Alice lived in Delhi, moved to Mumbai; likes tea; a generic relation; an episodic
    edge Zep keeps for provenance."""
    zep.users["u-uuid-1"] = {"uuid": "u-uuid-1", "user_id": "alice"}
    g = "u-uuid-1"
    me = zep.add_node(g, "Alice", ["User"], "the user")
    delhi = zep.add_node(g, "Delhi", ["Location"], "a city")
    mumbai = zep.add_node(g, "Mumbai", ["Location"], "a city")
    tea = zep.add_node(g, "tea", ["Preference"])
    return {
        "me": me,
        "mumbai": mumbai,
        "old": zep.add_edge(g, "LIVES_IN", "Alice lives in Delhi", me, delhi,
                            valid_at=T0, invalid_at=T0 + timedelta(days=30)),
        "new": zep.add_edge(g, "LIVES_IN", "Alice lives in Mumbai", me, mumbai,
                            valid_at=T0 + timedelta(days=30)),
        "tea": zep.add_edge(g, "ENJOYS", "Alice likes tea", me, tea, episodes=["ep-9", "ep-10"]),
        "odd": zep.add_edge(g, "MENTORED_BY", "Alice is mentored by tea lovers", me, tea),
        "episodic": zep.add_edge(g, "MENTIONS", "tea", me, tea, scope="episodic"),
    }  # fmt: skip


async def test_apply_is_a_no_op(graph, zep):
    await graph.apply("alice", GraphUpdate())
    assert zep.requests == []


async def test_add_episode_posts_to_the_user_graph_like_the_sdk(graph, zep, links):
    await graph.add_episode(
        "alice", Episode("ep-1", EpisodeKind.TEXT, "Alice likes tea", T0, "crm")
    )
    await graph.add_episode("alice", Episode("ep-2", EpisodeKind.JSON, '{"a": 1}', T0))

    text, data = zep.calls("POST", r"/graphs/[^/]+/episodes")
    assert text.url == f"{V4}/graphs/u-uuid-1/episodes"
    assert text.body == {**SDK_ADD_EPISODE, "reference_time": "2025-01-02T03:04:05Z"}
    assert data.body == {**SDK_ADD_JSON_EPISODE, "reference_time": "2025-01-02T03:04:05Z"}
    assert [e["data"] for e in zep.episodes["u-uuid-1"]] == ["Alice likes tea", '{"a": 1}']


async def test_a_redelivered_episode_is_ingested_once(graph, zep):
    episode = Episode("ep-1", EpisodeKind.TEXT, "Alice likes tea", T0)
    await graph.add_episode("alice", episode)
    await graph.add_episode("alice", episode)

    first, again = zep.calls("POST", r"/graphs/[^/]+/episodes")
    assert first.idempotency_key == again.idempotency_key
    assert len(zep.episodes["u-uuid-1"]) == 1


async def test_search_is_valid_now_by_default_and_maps_edges(graph, zep, links):
    ids = seed_graph(zep)

    found = await graph.search("alice", RelationQuery("where does alice live", limit=10))

    request = zep.calls("POST", r"/graphs/[^/]+/search/edges")[0]
    assert request.url == f"{V4}/graphs/u-uuid-1/search/edges?page_size=10"
    assert request.body == {**SDK_SEARCH_EDGES, "query": "where does alice live"}
    assert list(request.body) == list(SDK_SEARCH_EDGES)  # same field order as the SDK
    [hit] = [s for s in found if s.relation.relation_type is RelationType.LIVES_IN]
    relation = hit.relation
    assert (relation.relation_id, relation.source_key, relation.target_key) == (
        ids["new"], ids["me"], ids["mumbai"])  # fmt: skip
    assert relation.fact == "Alice lives in Mumbai"
    assert relation.user_id == "alice"
    assert relation.valid_at == T0 + timedelta(days=30)
    assert relation.invalid_at is None
    assert relation.episode_id == "ep-uuid-1"
    assert (hit.target.name, hit.target.entity_type, hit.target.key) == (
        "Mumbai", EntityType.PLACE, ids["mumbai"])  # fmt: skip
    assert hit.score > 0
    assert ids["old"] not in {s.relation.relation_id for s in found}


async def test_search_maps_names_scores_and_falls_back_to_created_at(graph, zep):
    ids = seed_graph(zep)

    found = {s.relation.relation_id: s for s in await graph.search("alice", RelationQuery("tea"))}

    assert set(found) == {ids["tea"], ids["odd"]}  # the episodic edge is not a fact
    tea, odd = found[ids["tea"]], found[ids["odd"]]
    assert tea.relation.relation_type is RelationType.LIKES  # ENJOYS, an alias
    assert odd.relation.relation_type is RelationType.RELATED_TO
    assert tea.relation.episode_id == "ep-9"
    assert tea.relation.valid_at == parse_time(zep.edges["u-uuid-1"][2]["created_at"])
    assert tea.score == 1.0


async def test_search_including_invalidated_sends_no_filter(graph, zep):
    ids = seed_graph(zep)

    found = await graph.search("alice", RelationQuery("lives", include_invalidated=True))

    assert "filters" not in zep.calls("POST", r"/graphs/[^/]+/search/edges")[0].body
    assert {s.relation.relation_id for s in found} == {ids["old"], ids["new"]}
    old = next(s.relation for s in found if s.relation.relation_id == ids["old"])
    assert old.invalid_at == T0 + timedelta(days=30)


async def test_search_as_of_keeps_what_held_then(graph, zep):
    ids = seed_graph(zep)

    found = await graph.search(
        "alice", RelationQuery("lives", limit=4, as_of=T0 + timedelta(days=1))
    )

    request = zep.calls("POST", r"/graphs/[^/]+/search/edges")[0]
    assert "filters" not in request.body
    assert request.params == {"page_size": "12"}
    assert [s.relation.relation_id for s in found] == [ids["old"]]


async def test_search_fetches_targets_the_edges_do_not_name(graph, zep):
    seed_graph(zep)
    ghost = zep.add_node("u-uuid-1", "Berlin", ["Location"])
    edge = zep.add_edge("u-uuid-1", "VISITED", "Alice visited Berlin", "x", ghost, valid_at=T0)
    original = zep._with_node_names
    zep._with_node_names = lambda graph, e: e if e["uuid"] == edge else original(graph, e)

    [hit] = await graph.search("alice", RelationQuery("visited Berlin"))

    assert zep.calls("GET")[-1].url == f"{V4}/graphs/u-uuid-1/nodes/{ghost}"
    assert (hit.target.name, hit.target.entity_type) == ("Berlin", EntityType.PLACE)


async def test_search_for_a_user_zep_does_not_know_is_empty(graph, zep):
    assert await graph.search("nobody", RelationQuery("anything")) == []
    assert [(r.method, r.path) for r in zep.requests] == [("POST", "/users/lookup")]


async def test_view_lists_every_page_of_nodes_and_valid_edges(client, links, zep):
    ids = seed_graph(zep)
    for i in range(150):
        zep.add_edge("u-uuid-1", "LIKES", f"likes thing {i}", ids["me"], ids["mumbai"], valid_at=T0)
    view = await ZepGraphMemory(client, links).view("alice", as_of=None, include_invalidated=False)

    edge_pages = zep.calls("POST", r"/graphs/[^/]+/edges/list")
    assert [r.url.split("?")[0] for r in edge_pages] == [f"{V4}/graphs/u-uuid-1/edges/list"] * 2
    assert edge_pages[0].params == {"page_size": "100"}
    assert "cursor" in edge_pages[1].params
    assert all(r.body == {"filters": SDK_VALID_NOW} for r in edge_pages)
    assert zep.calls("POST", r"/graphs/[^/]+/nodes/list")[0].body == {}
    assert len(view.relations) == 153  # new, tea, odd and the 150; no old, no episodic
    assert ids["old"] not in {r.relation_id for r in view.relations}
    assert {e.name for e in view.entities} == {"Alice", "Delhi", "Mumbai", "tea"}
    me = next(e for e in view.entities if e.key == ids["me"])
    assert (me.entity_type, me.summary) == (EntityType.USER, "the user")


async def test_view_as_of_and_with_history(graph, zep):
    ids = seed_graph(zep)

    then = await graph.view("alice", as_of=T0 + timedelta(days=1), include_invalidated=False)
    everything = await graph.view("alice", as_of=None, include_invalidated=True)

    assert ids["old"] in {r.relation_id for r in then.relations}
    assert ids["new"] not in {r.relation_id for r in then.relations}
    assert {ids["old"], ids["new"]} <= {r.relation_id for r in everything.relations}
    assert all(r.body == {} for r in zep.calls("POST", r"/graphs/[^/]+/edges/list"))


async def test_view_of_an_unknown_user_is_empty(graph):
    view = await graph.view("nobody", as_of=None, include_invalidated=False)
    assert (view.entities, view.relations) == ((), ())


# -- context -------------------------------------------------------------------------------


async def test_context_reads_thread_context_and_user_summary(client, links, history, zep):
    context = ZepContext(client, links)
    assert await context.thread_context("alice", "s1") is None
    await history.append("alice", "s1", [said("m1", "I moved to Berlin")])

    assert await context.thread_context("alice", "s1") == "FACTS: Alice lives in Berlin."
    assert await context.user_summary("alice") == "Alice lives in Berlin and likes tea."
    assert [r.url for r in zep.calls("GET")][-2:] == [
        f"{V4}/threads/th-uuid-1/context",
        f"{V4}/users/u-uuid-1/node",
    ]


# -- mapping details -------------------------------------------------------------------------


def test_edge_names_map_to_relation_types():
    assert relation_type_for("LIVES_IN") is RelationType.LIVES_IN
    assert relation_type_for("works for") is RelationType.WORKS_AT
    assert relation_type_for("HAS_PET") is RelationType.HAS_PET
    assert relation_type_for("KNOWS") is RelationType.RELATED_TO
    assert relation_type_for(None) is RelationType.RELATED_TO
