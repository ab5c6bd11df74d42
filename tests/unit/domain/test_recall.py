"""Recall's pure part: fusion of per-store rankings and assembly under a budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import relation_for_fact
from hybridmem.domain.messages import Message, Role
from hybridmem.domain.recall import (
    ItemRef,
    MemoryItem,
    approximate_tokens,
    assemble,
    fuse,
    item_from_fact,
    item_from_message,
    item_from_relation,
    merge_mirrors,
)
from hybridmem.domain.stores import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def item(store: Store, item_id: str, text: str, provenance: tuple[str, ...] = ()) -> MemoryItem:
    return MemoryItem(ItemRef(store, item_id), text, provenance=provenance)


def test_fusion_rewards_agreement_between_rankings() -> None:
    facts = [item(Store.FACTS, "f1", "Lives in Delhi"), item(Store.FACTS, "f2", "Likes chess")]
    messages = [item(Store.HISTORY, "m9", "chess club"), item(Store.HISTORY, "m1", "I love chess")]
    fused = fuse({Store.FACTS: facts, Store.HISTORY: messages})
    # each first hit scores 1/60; nothing is in two rankings, so ties go to the first store
    assert [i.ref.item_id for i in fused] == ["f1", "m9", "f2", "m1"]
    assert fused[0].score == pytest.approx(1 / 60, abs=1e-6)
    both = fuse({Store.FACTS: facts, Store.GRAPH: [facts[1]]})
    assert both[0].ref.item_id == "f2"  # in two rankings: 1/61 + 1/60 beats 1/60


def test_weights_shift_the_balance() -> None:
    facts = [item(Store.FACTS, "f1", "a")]
    messages = [item(Store.HISTORY, "m1", "b")]
    fused = fuse({Store.FACTS: facts, Store.HISTORY: messages}, weights={Store.HISTORY: 2.0})
    assert [i.ref.item_id for i in fused] == ["m1", "f1"]


def test_the_same_statement_from_two_memories_is_used_once() -> None:
    ranked = [
        item(Store.GRAPH, "r1", "Lives in Delhi"),
        item(Store.FACTS, "f1", "lives in delhi."),
        item(Store.FACTS, "f2", "Likes chess"),
    ]
    result = assemble(ranked, budget_tokens=500)
    assert [i.ref.item_id for i in result.used] == ["r1", "f2"]
    assert [i.ref.item_id for i in result.duplicates] == ["f1"]
    assert result.text == "- Lives in Delhi\n- Likes chess"


def test_near_duplicates_are_dropped_too() -> None:
    result = assemble(
        [
            item(Store.FACTS, "a", "Favorite movie is Star Wars"),
            item(Store.GRAPH, "b", "Favorite movie is Starwars"),
        ],
        budget_tokens=500,
    )
    assert [i.ref.item_id for i in result.duplicates] == ["b"]


def test_assembly_keeps_the_ranked_order_and_stops_at_the_limit() -> None:
    words = ["apples", "bridges", "clouds", "dunes", "embers"]
    ranked = [item(Store.HISTORY, f"m{n}", f"a story about {word}") for n, word in enumerate(words)]
    result = assemble(ranked, budget_tokens=500, limit=3)
    assert [i.ref.item_id for i in result.used] == ["m0", "m1", "m2"]
    assert [i.ref.item_id for i in result.left_out] == ["m3", "m4"]


def test_the_budget_stops_assembly_so_contexts_are_prefixes() -> None:
    long_text = "Works as a " + "very " * 40 + "senior engineer"
    ranked = [
        item(Store.FACTS, "f1", "Lives in Delhi"),
        item(Store.FACTS, "f2", long_text),
        item(Store.FACTS, "f3", "Likes chess"),
    ]
    result = assemble(ranked, budget_tokens=20)
    assert [i.ref.item_id for i in result.used] == ["f1"]
    assert [i.ref.item_id for i in result.left_out] == ["f2", "f3"]
    assert result.tokens_used <= 20


def test_a_pluggable_token_counter() -> None:
    def count_lines(text: str) -> int:
        return text.count("\n") + 1 if text else 0

    texts = ["Lives in Delhi", "Likes chess", "Has a dog", "Speaks Hindi", "Works at Acme"]
    ranked = [item(Store.FACTS, f"f{n}", text) for n, text in enumerate(texts)]
    result = assemble(ranked, budget_tokens=5, count_tokens=count_lines)
    assert len(result.used) == 3  # each line costs 1, each newline between them 1 more


def test_messages_carry_date_and_speaker_and_closed_facts_their_span() -> None:
    said = Message("m1", "u1", "s1", Role.USER, "I live in Delhi", "Ada", T0, T0, {})
    closed = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.LOCATION,
        value="Pune",
        valid_from=T0,
        valid_to=T0 + timedelta(days=30),
        provenance=("m0",),
    )
    message = item_from_message(said)
    fact = item_from_fact(closed)
    relation = item_from_relation(relation_for_fact(closed))
    assert message.render() == "- 2024-01-01 Ada: I live in Delhi"
    assert message.provenance == ("m1",)
    assert fact.render() == "- Lives in Pune (no longer true; held 2024-01-01 to 2024-01-31)"
    assert (fact.provenance, relation.provenance) == (("m0",), ("m0",))
    result = assemble([fact, relation, message], budget_tokens=500)
    assert len(result.duplicates) == 1  # the relation says what the fact says


def test_nothing_to_say() -> None:
    result = assemble([item(Store.FACTS, "f1", "   ")], budget_tokens=100)
    assert (result.text, result.used, result.tokens_used) == ("", (), 0)


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(InvalidInput):
        assemble([], budget_tokens=-1)


def test_the_default_counter_is_deterministic() -> None:
    assert approximate_tokens("") == 0
    assert approximate_tokens("abcd") == 2  # one word × 1.3 rounds up to 2
    assert approximate_tokens("x" * 40) == 10


texts = st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), min_size=1, max_size=60)
items = st.builds(
    item,
    store=st.sampled_from(list(Store)),
    item_id=st.text(alphabet="abc123", min_size=1, max_size=4),
    text=texts,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(items, max_size=15), st.integers(min_value=0, max_value=200))
def test_the_budget_holds_everything_is_accounted_for_and_contexts_are_prefixes(
    ranked: list[MemoryItem], budget: int
) -> None:
    result = assemble(ranked, budget_tokens=budget)
    assert result.tokens_used <= budget
    accounted = len(result.used) + len(result.duplicates) + len(result.left_out)
    assert accounted == len([i for i in ranked if i.text.strip()])
    for limit in range(len(result.used) + 1):
        shorter = assemble(ranked, budget_tokens=budget, limit=limit)
        assert shorter.used == result.used[:limit]


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(list(Store)), st.lists(items, max_size=8, unique_by=lambda i: i.ref)
    )
)
def test_fusion_keeps_every_item_once_in_score_order(
    rankings: dict[Store, list[MemoryItem]],
) -> None:
    fused = fuse(rankings)
    refs = [i.ref for i in fused]
    assert len(refs) == len(set(refs))
    assert set(refs) == {i.ref for ranking in rankings.values() for i in ranking}
    assert [i.score for i in fused] == sorted((i.score for i in fused), reverse=True)


def test_a_relation_that_mirrors_a_fact_is_not_a_second_vote() -> None:
    fact = Fact(
        fact_id="f1", user_id="u1", attribute=Attribute.LOCATION, value="Delhi", valid_from=T0
    )
    facts = [item_from_fact(fact)]
    relations = [item_from_relation(relation_for_fact(fact)), item(Store.GRAPH, "r9", "Has a cat")]
    message = item(Store.HISTORY, "m1", "I moved to Delhi last spring")
    fused = fuse(
        {
            Store.HISTORY: [message],
            Store.FACTS: facts,
            Store.GRAPH: merge_mirrors(facts, relations),
        }
    )
    # the fact and the best message each have one first place: the tie goes to the
    # store read first, not to the fact for its mirror
    assert [i.ref for i in fused] == [
        ItemRef(Store.HISTORY, "m1"),
        ItemRef(Store.FACTS, "f1"),
        ItemRef(Store.GRAPH, "r9"),
    ]
    assert fused[1].score == pytest.approx(1 / 60, abs=1e-6)
