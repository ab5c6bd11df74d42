"""Contract of FactMemory and GraphMemory, run against the PostgreSQL engine (server and
embedded) and the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hybridmem.adapters.postgres.accounts import PostgresUsers
from hybridmem.adapters.postgres.facts import PostgresFactMemory
from hybridmem.adapters.postgres.graph import PostgresGraphMemory
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.facts import make_candidate
from hybridmem.domain.graph import RelationType, graph_update
from hybridmem.domain.retrieval import FactEventKind, FactQuery, GraphView, RelationQuery
from hybridmem.domain.temporal import (
    TemporalAction,
    TemporalDecision,
    TemporalPlan,
    plan_temporal_update,
)
from tests.support.memory_fakes import InMemoryFactMemory, InMemoryGraphMemory

T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
async def stores(implementation):
    if implementation is None:
        return InMemoryFactMemory(), InMemoryGraphMemory()
    users = PostgresUsers(implementation)
    for user in ("u", "v"):
        await users.ensure(user)
    return PostgresFactMemory(implementation), PostgresGraphMemory(implementation)


def ids():
    counter = iter(range(1, 10_000))
    return lambda: f"f{next(counter)}"


async def remember(facts, graph, user, new_id, *specs):
    candidates = [
        make_candidate(attribute, value, observed_at=when, message_id=f"m-{value}", qualifier=q)
        for attribute, value, when, q in specs
    ]
    plan = plan_temporal_update(await facts.current(user), candidates, user_id=user, new_id=new_id)
    await facts.apply(user, plan)
    await graph.apply(user, graph_update(plan.decisions))
    return plan


async def test_apply_is_idempotent_and_recorded(stores):
    facts, graph = stores
    plan = await remember(facts, graph, "u", ids(), (Attribute.LIKES, "chess", T0, None))
    await facts.apply("u", plan)  # a retried job re-applies the same plan
    await graph.apply("u", graph_update(plan.decisions))
    [stored] = await facts.current("u")
    assert stored.value == "chess"
    history = await facts.history("u", stored.fact_id)
    assert [event.kind for event in history] == [FactEventKind.ADD]
    view = await graph.view("u", as_of=None, include_invalidated=True)
    assert len(view.relations) == 1


async def test_single_valued_attribute_closes_the_old_value(stores):
    facts, graph = stores
    new_id = ids()
    await remember(facts, graph, "u", new_id, (Attribute.LOCATION, "Delhi", T0, None))
    later = T0 + timedelta(days=30)
    await remember(facts, graph, "u", new_id, (Attribute.LOCATION, "Mumbai", later, None))
    current = await facts.current("u", [Attribute.LOCATION])
    assert [f.value for f in current] == ["Mumbai"]
    page = await facts.list("u", limit=10, cursor=None, include_invalidated=True)
    delhi = next(f for f in page.items if f.value == "Delhi")
    assert delhi.valid_to == later
    assert delhi.superseded_by == current[0].fact_id
    kinds = [e.kind for e in await facts.history("u", delhi.fact_id)]
    assert kinds == [FactEventKind.ADD, FactEventKind.INVALIDATE]
    then = await graph.view("u", as_of=T0 + timedelta(days=1), include_invalidated=False)
    assert [r.target_key for r in then.relations] == ["place:delhi"]
    now = await graph.view("u", as_of=None, include_invalidated=False)
    assert [r.target_key for r in now.relations] == ["place:mumbai"]


async def test_search_ranks_text_attribute_and_validity(stores):
    facts, graph = stores
    new_id = ids()
    await remember(
        facts,
        graph,
        "u",
        new_id,
        (Attribute.LOCATION, "Delhi", T0, None),
        (Attribute.LIKES, "jazz", T0, None),
        (Attribute.PET, "Bruno", T0, "dog"),
    )
    await remember(
        facts, graph, "u", new_id, (Attribute.LOCATION, "Pune", T0 + timedelta(days=9), None)
    )
    found = await facts.search(
        "u", FactQuery(text="Where do I live?", attributes=(Attribute.LOCATION,))
    )
    assert [hit.fact.value for hit in found] == ["Pune"]
    past = await facts.search(
        "u",
        FactQuery(
            text="where did I live before",
            attributes=(Attribute.LOCATION,),
            include_invalidated=True,
        ),
    )
    assert [hit.fact.value for hit in past] == ["Pune", "Delhi"]
    assert past[0].score > past[1].score
    dog = await facts.search("u", FactQuery(text="what is my dog called"))
    assert dog[0].fact.value == "Bruno"
    assert await facts.search("v", FactQuery(text="jazz")) == []
    assert await facts.search("u", FactQuery(text="???")) == []


async def test_relation_search_and_time_travel(stores):
    facts, graph = stores
    await remember(facts, graph, "u", ids(), (Attribute.PET, "Bruno", T0, "dog"))
    [hit] = await graph.search(
        "u", RelationQuery(text="dog", relation_types=(RelationType.HAS_PET,))
    )
    assert hit.target.name == "Bruno"
    assert hit.relation.episode_id == "m-Bruno"
    before = await graph.search("u", RelationQuery(text="dog", as_of=T0 - timedelta(days=1)))
    assert before == []


async def test_get_update_delete_and_isolation(stores):
    facts, graph = stores
    await remember(facts, graph, "u", ids(), (Attribute.EMPLOYER, "Acme", T0, None))
    [fact] = await facts.current("u")
    with pytest.raises(NotFound):
        await facts.get("v", fact.fact_id)
    with pytest.raises(NotFound):
        await facts.history("v", fact.fact_id)
    from dataclasses import replace

    await facts.update("u", replace(fact, value="Globex", text="Works at Globex"), reason="fix")
    assert (await facts.get("u", fact.fact_id)).value == "Globex"
    await facts.delete("u", fact.fact_id, reason="bye")
    with pytest.raises(NotFound):
        await facts.get("u", fact.fact_id)
    with pytest.raises(NotFound):
        await facts.delete("u", fact.fact_id, reason="again")
    kinds = [e.kind for e in await facts.history("u", fact.fact_id)]
    assert kinds == [FactEventKind.ADD, FactEventKind.UPDATE, FactEventKind.DELETE]


async def test_list_pages_newest_first(stores):
    facts, graph = stores
    new_id = ids()
    for day in range(5):
        await remember(
            facts,
            graph,
            "u",
            new_id,
            (Attribute.HOBBIES, f"hobby {day}", T0 + timedelta(days=day), None),
        )
    seen, cursor = [], None
    while True:
        page = await facts.list("u", limit=2, cursor=cursor, include_invalidated=False)
        seen += [f.value for f in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"hobby {day}" for day in reversed(range(5))]


async def test_ancient_and_future_dates_rank_without_overflow(stores):
    facts, graph = stores
    ancient = datetime(1, 1, 1, tzinfo=UTC)
    future = datetime(9999, 12, 31, tzinfo=UTC)
    new_id = ids()
    await remember(
        facts,
        graph,
        "u",
        new_id,
        (Attribute.HOBBIES, "archery", ancient, None),
        (Attribute.LIKES, "archery", future, None),
    )
    found = await facts.search("u", FactQuery(text="archery", include_invalidated=True))
    assert {hit.fact.value for hit in found} == {"archery"}
    assert len(found) == 2
    related = await graph.search("u", RelationQuery(text="archery", include_invalidated=True))
    assert len(related) == 2


async def test_a_plan_is_applied_whole_or_not_at_all_and_removes_merged_facts(stores):
    facts, graph = stores
    new_id = ids()
    plan = await remember(facts, graph, "u", new_id, (Attribute.LIKES, "chess", T0, None))
    [chess] = plan.added
    tea = make_candidate(Attribute.LIKES, "tea", observed_at=T0).to_fact(
        fact_id="f-tea", user_id="u"
    )
    stranger = tea.to_fact(fact_id="f-x", user_id="v")
    broken = TemporalPlan(
        (
            TemporalDecision(TemporalAction.ADD, tea, None, "new"),
            TemporalDecision(TemporalAction.REMOVE, chess, chess, "merged"),
            TemporalDecision(TemporalAction.ADD, stranger, None, "new"),
        )
    )
    with pytest.raises(InvalidInput):
        await facts.apply("u", broken)
    assert [f.value for f in await facts.current("u")] == ["chess"]  # nothing of it stayed

    await facts.apply("u", TemporalPlan(broken.decisions[:2]))
    assert [f.value for f in await facts.current("u")] == ["tea"]
    kinds = [event.kind for event in await facts.history("u", chess.fact_id)]
    assert kinds == [FactEventKind.ADD, FactEventKind.DELETE]
    await facts.apply("u", TemporalPlan(broken.decisions[:2]))  # again: harmless
    assert [f.value for f in await facts.current("u")] == ["tea"]


async def test_list_cursors_never_skip_or_repeat_while_facts_change(stores):
    facts, graph = stores
    new_id = ids()
    same_day = [(Attribute.HOBBIES, f"craft {i}", T0, None) for i in range(4)]
    await remember(facts, graph, "u", new_id, *same_day)  # equal starts: the id breaks ties
    first = await facts.list("u", limit=3, cursor=None, include_invalidated=False)
    later = (Attribute.HOBBIES, "newest", T0 + timedelta(days=5), None)
    earlier = (Attribute.HOBBIES, "oldest", T0 - timedelta(days=5), None)
    await remember(facts, graph, "u", new_id, later, earlier)
    rest, cursor = [], first.next_cursor
    while cursor is not None:
        page = await facts.list("u", limit=3, cursor=cursor, include_invalidated=False)
        rest += page.items
        cursor = page.next_cursor
    seen = [f.value for f in (*first.items, *rest)]
    assert sorted(seen[:4]) == [f"craft {i}" for i in range(4)]
    assert seen[4:] == ["oldest"]  # the newer fact sorts before the cursor: not repeated
    with pytest.raises(InvalidInput):
        await facts.list("u", limit=3, cursor="nonsense", include_invalidated=False)


async def test_history_events_carry_the_old_and_new_fact(stores):
    facts, graph = stores
    new_id = ids()
    await remember(facts, graph, "u", new_id, (Attribute.EMPLOYER, "Acme", T0, None))
    later = T0 + timedelta(days=3)
    await remember(facts, graph, "u", new_id, (Attribute.EMPLOYER, "Globex", later, None))
    page = await facts.list("u", limit=10, cursor=None, include_invalidated=True)
    acme = next(f for f in page.items if f.value == "Acme")
    added, closed = await facts.history("u", acme.fact_id)
    assert (added.old, added.new["value"], added.new["valid_to"]) == (None, "Acme", None)
    assert closed.old["valid_to"] is None
    assert closed.new["valid_to"] == later.isoformat()
    assert closed.reason == "superseded"
    assert closed.at >= added.at
    await facts.delete("u", acme.fact_id, reason="mistake")
    deleted = (await facts.history("u", acme.fact_id))[-1]
    assert (deleted.kind, deleted.old["value"], deleted.new, deleted.reason) == (
        FactEventKind.DELETE,
        "Acme",
        None,
        "mistake",
    )


async def test_update_refuses_a_fact_of_another_user_and_unknown_facts(stores):
    from dataclasses import replace

    facts, graph = stores
    await remember(facts, graph, "u", ids(), (Attribute.EMPLOYER, "Acme", T0, None))
    [fact] = await facts.current("u")
    with pytest.raises(InvalidInput):
        await facts.update("u", replace(fact, user_id="v", value="Globex"), reason="x")
    assert (await facts.get("u", fact.fact_id)).value == "Acme"
    assert [e.kind for e in await facts.history("u", fact.fact_id)] == [FactEventKind.ADD]
    with pytest.raises(NotFound):
        await facts.update("u", replace(fact, fact_id="ghost"), reason="x")
    with pytest.raises(NotFound):
        await facts.update("v", replace(fact, user_id="v"), reason="x")


async def test_current_filters_by_attribute_oldest_first_and_search_keeps_its_promises(stores):
    facts, graph = stores
    new_id = ids()
    await remember(
        facts,
        graph,
        "u",
        new_id,
        (Attribute.LIKES, "green tea", T0 + timedelta(days=2), None),
        (Attribute.LIKES, "black tea", T0, None),
        (Attribute.DISLIKES, "coffee", T0, None),
        (Attribute.LOCATION, "Oslo", T0, None),
    )
    await remember(
        facts, graph, "u", new_id, (Attribute.LOCATION, "Bergen", T0 + timedelta(days=1), None)
    )
    likes = await facts.current("u", [Attribute.LIKES])
    assert [f.value for f in likes] == ["black tea", "green tea"]
    assert len(await facts.current("u")) == 4
    assert await facts.current("u", []) == []
    hits = await facts.search("u", FactQuery(text="tea or coffee or Oslo", limit=2))
    assert len(hits) == 2
    assert {h.fact.value for h in hits} <= {"green tea", "black tea", "coffee"}  # Oslo is closed
    everything = await facts.search(
        "u", FactQuery(text="tea coffee Oslo Bergen", limit=10, include_invalidated=True)
    )
    scores = [h.score for h in everything]
    assert scores == sorted(scores, reverse=True)
    assert {h.fact.value for h in everything} == {
        "green tea",
        "black tea",
        "coffee",
        "Oslo",
        "Bergen",
    }
    assert everything[-1].fact.value == "Oslo"  # the only closed one ranks last


async def test_graph_upserts_keep_the_first_name_and_ignore_unknown_invalidations(stores):
    from hybridmem.domain.graph import (
        Entity,
        EntityType,
        GraphUpdate,
        Relation,
        RelationInvalidation,
        user_entity,
    )

    _, graph = stores
    me = user_entity("u")
    ada = Entity("u", "person:ada", "Ada", EntityType.PERSON, "sister")
    relation = Relation(
        "r1", "u", me.key, RelationType.HAS_FAMILY_MEMBER, ada.key, "Sister is Ada", T0
    )
    await graph.apply("u", GraphUpdate((me, ada), (relation,)))
    renamed = Entity("u", "person:ada", "ADA", EntityType.PERSON, None)
    too_early = RelationInvalidation("r1", T0 - timedelta(days=9), None)
    await graph.apply(
        "u", GraphUpdate((renamed,), (), (too_early, RelationInvalidation("nope", T0)))
    )
    view = await graph.view("u", as_of=None, include_invalidated=True)
    assert [(e.key, e.name) for e in view.entities] == [(me.key, "u"), ("person:ada", "Ada")]
    [stored] = view.relations
    assert stored.invalid_at == T0  # never before valid_at
    assert (await graph.view("u", as_of=None, include_invalidated=False)).relations == ()
    assert await graph.view("v", as_of=None, include_invalidated=True) == GraphView((), ())
    stray = Relation("r2", "u", me.key, RelationType.LIKES, "other:ghost", "Likes a ghost", T0)
    with pytest.raises(InvalidInput):  # a relation must point at entities the graph holds
        await graph.apply("u", GraphUpdate((), (stray,)))
    assert len((await graph.view("u", as_of=None, include_invalidated=True)).relations) == 1


async def test_relation_search_filters_by_time_and_type(stores):
    facts, graph = stores
    new_id = ids()
    await remember(facts, graph, "u", new_id, (Attribute.LOCATION, "Delhi", T0, None))
    moved = T0 + timedelta(days=10)
    await remember(facts, graph, "u", new_id, (Attribute.LOCATION, "Mumbai", moved, None))
    await remember(facts, graph, "u", new_id, (Attribute.LIKES, "Delhi food", T0, None))
    now = await graph.search("u", RelationQuery(text="Delhi"))
    assert [h.target.name for h in now] == ["Delhi food"]
    typed = await graph.search(
        "u", RelationQuery(text="where", relation_types=(RelationType.LIVES_IN,))
    )
    assert [h.target.name for h in typed] == ["Mumbai"]
    then = await graph.search(
        "u",
        RelationQuery(
            text="Delhi", relation_types=(RelationType.LIVES_IN,), as_of=T0 + timedelta(days=1)
        ),
    )
    assert next(h.target.name for h in then) == "Delhi"
    assert "Mumbai" not in [h.target.name for h in then]
    past = await graph.search("u", RelationQuery(text="Delhi Mumbai", include_invalidated=True))
    assert {h.target.name for h in past} == {"Delhi", "Mumbai", "Delhi food"}
    assert [h.score for h in past] == sorted((h.score for h in past), reverse=True)


async def test_words_whose_stem_stems_again_are_found(stores):
    # "coffee" stems to "coffe", which stems again to "coff": a query built by stemming
    # the stems never matched the stored words.
    facts, graph = stores
    new_id = ids()
    await remember(
        facts,
        graph,
        "u",
        new_id,
        (Attribute.DISLIKES, "coffee", T0, None),
        (Attribute.EDUCATION, "two universities", T0, None),
    )
    [hit] = await facts.search("u", FactQuery(text="coffee"))
    assert hit.fact.value == "coffee"
    [hit] = await facts.search("u", FactQuery(text="universities"))
    assert hit.fact.value == "two universities"
    [related] = await graph.search("u", RelationQuery(text="coffee"))
    assert related.target.name == "coffee"


async def test_equal_scores_come_back_by_attribute_then_value(stores):
    facts, graph = stores
    # ids in the opposite order of the values: an id tie-break would reverse the list
    await remember(
        facts,
        graph,
        "u",
        ids(),
        (Attribute.LIKES, "mango", T0, None),
        (Attribute.LIKES, "apple", T0, None),
        (Attribute.HOBBIES, "zumba", T0, None),
    )
    query = FactQuery(text="xyzzy", attributes=(Attribute.LIKES, Attribute.HOBBIES), limit=10)
    hits = await facts.search("u", query)
    assert len({h.score for h in hits}) == 1  # one tie
    assert [(h.fact.attribute, h.fact.value) for h in hits] == [
        (Attribute.HOBBIES, "zumba"),
        (Attribute.LIKES, "apple"),
        (Attribute.LIKES, "mango"),
    ]
    assert await facts.search("u", query) == hits  # and the same order every time
