"""Context assembly: dedupe across sources, priority order, token budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.context import (
    ContextItem,
    ContextSource,
    approximate_tokens,
    assemble_context,
    item_from_fact,
    item_from_message,
    item_from_relation,
)
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import relation_for_fact
from hybridmem.domain.messages import Message, Role

T0 = datetime(2024, 1, 1, tzinfo=UTC)
FACT, RELATION, MESSAGE = ContextSource.FACT, ContextSource.RELATION, ContextSource.MESSAGE


def item(item_id: str, source: ContextSource, text: str, score: float = 0.5) -> ContextItem:
    return ContextItem(item_id, source, text, score)


def test_the_same_statement_from_two_memories_is_used_once() -> None:
    result = assemble_context(
        [
            item("r1", RELATION, "Lives in Delhi", 0.9),
            item("f1", FACT, "lives in delhi.", 0.9),
            item("f2", FACT, "Likes chess", 0.5),
        ],
        budget_tokens=500,
    )
    assert [i.item_id for i in result.used] == ["f1", "f2"]  # equal scores: facts first
    assert [i.item_id for i in result.duplicates] == ["r1"]
    assert result.text == "Known facts about the user:\n- lives in delhi.\n- Likes chess"


def test_near_duplicates_are_dropped_too() -> None:
    result = assemble_context(
        [
            item("a", FACT, "Favorite movie is Star Wars", 0.9),
            item("b", RELATION, "Favorite movie is Starwars", 0.8),
        ],
        budget_tokens=500,
    )
    assert [i.item_id for i in result.duplicates] == ["b"]


def test_higher_scores_come_first_and_sections_follow_source_priority() -> None:
    result = assemble_context(
        [
            item("m1", MESSAGE, "user said hi", 0.99),
            item("f1", FACT, "Lives in Delhi", 0.2),
            item("r1", RELATION, "Has a dog named Bruno", 0.7),
        ],
        budget_tokens=500,
    )
    assert [i.item_id for i in result.used] == ["m1", "r1", "f1"]
    assert (
        result.text.index("Known facts")
        < result.text.index("memory graph")
        < result.text.index("Recent conversation")
    )


def test_the_budget_cuts_and_a_shorter_item_may_still_fit() -> None:
    long_text = "Works as a " + "very " * 40 + "senior engineer"
    items = [
        item("f1", FACT, "Lives in Delhi", 0.9),
        item("f2", FACT, long_text, 0.8),
        item("f3", FACT, "Likes chess", 0.7),
    ]
    result = assemble_context(items, budget_tokens=20)
    assert [i.item_id for i in result.used] == ["f1", "f3"]
    assert [i.item_id for i in result.over_budget] == ["f2"]
    assert result.tokens_used <= 20


def test_a_pluggable_token_counter() -> None:
    def count_lines(text: str) -> int:
        return text.count("\n") + 1 if text else 0

    texts = ["Lives in Delhi", "Likes chess", "Has a dog", "Speaks Hindi", "Works at Acme"]
    items = [item(f"f{n}", FACT, text, 1 - n / 10) for n, text in enumerate(texts)]
    result = assemble_context(items, budget_tokens=3, count_tokens=count_lines)
    assert len(result.used) == 2  # the title line plus two facts
    assert result.tokens_used == 3


def test_messages_are_rendered_in_time_order_and_closed_facts_labelled() -> None:
    early = Message("m1", "u1", "s1", Role.USER, "I live in Delhi", None, T0, T0, {})
    late = Message(
        "m2", "u1", "s1", Role.ASSISTANT, "Noted!", None, T0 + timedelta(minutes=1), T0, {}
    )
    closed = Fact(
        fact_id="f1",
        user_id="u1",
        attribute=Attribute.LOCATION,
        value="Pune",
        valid_from=T0,
        valid_to=T0 + timedelta(days=30),
    )
    result = assemble_context(
        [
            item_from_message(late, score=0.9),
            item_from_message(early, score=0.1),
            item_from_fact(closed, score=0.5),
            item_from_relation(relation_for_fact(closed), score=0.4),
        ],
        budget_tokens=500,
    )
    assert "- user: I live in Delhi\n- assistant: Noted!" in result.text
    assert "- from 2024-01-01 until 2024-01-31: Lives in Pune" in result.text
    assert len(result.duplicates) == 1  # the relation says what the fact says


def test_nothing_to_say() -> None:
    result = assemble_context([item("f1", FACT, "   ")], budget_tokens=100)
    assert (result.text, result.used, result.tokens_used) == ("", (), 0)


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(InvalidInput):
        assemble_context([], budget_tokens=-1)


def test_the_default_counter_is_deterministic() -> None:
    assert approximate_tokens("") == 0
    assert approximate_tokens("abcd") == 2  # one word × 1.3 rounds up to 2
    assert approximate_tokens("x" * 40) == 10


texts = st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), min_size=1, max_size=60)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            ContextItem,
            item_id=st.text(min_size=1, max_size=5),
            source=st.sampled_from(list(ContextSource)),
            text=texts,
            score=st.floats(min_value=0, max_value=1),
        ),
        max_size=15,
    ),
    st.integers(min_value=0, max_value=200),
)
def test_budget_is_respected_and_input_order_does_not_matter(
    items: list[ContextItem], budget: int
) -> None:
    result = assemble_context(items, budget_tokens=budget)
    assert result.tokens_used <= budget
    assert approximate_tokens(result.text) == result.tokens_used
    accounted = len(result.used) + len(result.duplicates) + len(result.over_budget)
    assert accounted == len([i for i in items if i.text.strip()])
    shuffled = list(reversed(items))
    assert assemble_context(shuffled, budget_tokens=budget).text == result.text
