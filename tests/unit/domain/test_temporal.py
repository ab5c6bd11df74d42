"""Temporal rules: supersession closes, restatement merges, nothing is deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybridmem.domain.attributes import Attribute, is_single_valued
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.extraction import extract_facts
from hybridmem.domain.facts import Fact, FactCandidate
from hybridmem.domain.temporal import TemporalAction, plan_temporal_update

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def ids() -> Callable[[], str]:
    counter: Iterator[int] = count(1)
    return lambda: f"n{next(counter)}"


def candidate(
    attribute: Attribute,
    value: str,
    start: int,
    *,
    end: int | None = None,
    message: str = "m",
    qualifier: str | None = None,
) -> FactCandidate:
    return FactCandidate(
        attribute,
        value,
        day(start),
        qualifier=qualifier,
        valid_to=None if end is None else day(end),
        provenance=(message,),
    )


def stored(fact_id: str, attribute: Attribute, value: str, start: int, **kwargs: object) -> Fact:
    return Fact(
        fact_id=fact_id,
        user_id="u1",
        attribute=attribute,
        value=value,
        valid_from=day(start),
        provenance=(f"m-{fact_id}",),
        **kwargs,
    )  # type: ignore[arg-type]


def test_a_new_value_of_a_single_valued_attribute_closes_the_old_one() -> None:
    delhi = stored("f1", Attribute.LOCATION, "Delhi", 1)
    plan = plan_temporal_update(
        [delhi], [candidate(Attribute.LOCATION, "Mumbai", 5)], user_id="u1", new_id=ids()
    )
    [mumbai] = plan.added
    [closed] = plan.closed
    assert (mumbai.fact_id, mumbai.value, mumbai.is_current) == ("n1", "Mumbai", True)
    assert closed.fact_id == "f1"
    assert (closed.valid_to, closed.superseded_by) == (day(5), "n1")
    after = plan.apply([delhi])
    assert {f.fact_id for f in after} == {"f1", "n1"}  # closed, never deleted
    assert [f.value for f in after if f.is_current] == ["Mumbai"]


def test_the_same_value_again_only_merges_provenance() -> None:
    delhi = stored("f1", Attribute.LOCATION, "Delhi", 1)
    plan = plan_temporal_update(
        [delhi],
        [candidate(Attribute.LOCATION, "delhi.", 4, message="m2")],
        user_id="u1",
        new_id=ids(),
    )
    assert plan.added == ()
    [confirmed] = plan.confirmed
    assert confirmed.provenance == ("m-f1", "m2")
    assert confirmed.valid_from == day(1)
    assert plan.decisions[0].action is TemporalAction.CONFIRM


def test_a_restatement_can_date_the_start_earlier() -> None:
    delhi = stored("f1", Attribute.LOCATION, "Delhi", 10)
    plan = plan_temporal_update(
        [delhi], [candidate(Attribute.LOCATION, "Delhi", 2)], user_id="u1", new_id=ids()
    )
    assert plan.confirmed[0].valid_from == day(2)


def test_multi_valued_attributes_accumulate() -> None:
    chess = stored("f1", Attribute.LIKES, "chess", 1)
    plan = plan_temporal_update(
        [chess], [candidate(Attribute.LIKES, "tennis", 2)], user_id="u1", new_id=ids()
    )
    assert [f.value for f in plan.added] == ["tennis"]
    assert plan.closed == ()


@pytest.mark.parametrize(
    ("old", "new"), [(Attribute.LIKES, Attribute.DISLIKES), (Attribute.DISLIKES, Attribute.LIKES)]
)
def test_a_like_and_a_dislike_of_the_same_thing_exclude_each_other(
    old: Attribute, new: Attribute
) -> None:
    before = stored("f1", old, "Jazz", 1)
    plan = plan_temporal_update([before], [candidate(new, "jazz", 3)], user_id="u1", new_id=ids())
    [closed] = plan.closed
    assert (closed.fact_id, closed.valid_to, closed.superseded_by) == ("f1", day(3), "n1")


def test_a_dislike_closes_a_like_of_a_near_identical_value() -> None:
    like = stored("f1", Attribute.LIKES, "Starwars", 1)
    plan = plan_temporal_update(
        [like], [candidate(Attribute.DISLIKES, "Star Wars", 5)], user_id="u1", new_id=ids()
    )
    [closed] = plan.closed
    assert closed.fact_id == "f1"


def test_pets_with_the_same_name_but_another_species_are_different() -> None:
    dog = stored("f1", Attribute.PET, "Bruno", 1, qualifier="dog")
    plan = plan_temporal_update(
        [dog], [candidate(Attribute.PET, "Bruno", 2, qualifier="cat")], user_id="u1", new_id=ids()
    )
    assert len(plan.added) == 1
    assert plan.closed == ()


def test_a_move_story_supersedes_with_a_pointer_and_confirms_the_old_place() -> None:
    delhi = stored("f1", Attribute.LOCATION, "Delhi", 1)
    observed = day(40)
    found = extract_facts(
        "I moved from Delhi to Mumbai last month", message_id="m9", observed_at=observed
    )
    plan = plan_temporal_update([delhi], found, user_id="u1", new_id=ids())
    after = {f.value: f for f in plan.apply([delhi])}
    assert after["Mumbai"].is_current
    assert after["Delhi"].valid_to == observed - timedelta(days=30)
    assert after["Delhi"].superseded_by == after["Mumbai"].fact_id
    assert "m9" in after["Delhi"].provenance


def test_a_change_dated_before_the_old_start_closes_it_when_it_was_said() -> None:
    # "I live in Delhi" this morning, then "I moved to Mumbai last month" at noon: Delhi
    # held, as far as anyone knew, until noon; it must not end at its own start.
    morning, noon = day(30), day(30) + timedelta(hours=3)
    delhi = Fact(
        fact_id="f1", user_id="u1", attribute=Attribute.LOCATION, value="Delhi", valid_from=morning
    )
    [mumbai] = extract_facts("I moved to Mumbai last month", message_id="m2", observed_at=noon)
    plan = plan_temporal_update([delhi], [mumbai], user_id="u1", new_id=ids(), stated_at=noon)
    [closed] = plan.closed
    [added] = plan.added
    assert added.valid_from < morning
    assert added.is_current
    assert closed.valid_to == noon
    assert closed.superseded_by == added.fact_id


def test_a_closed_candidate_ends_the_current_fact() -> None:
    google = stored("f1", Attribute.EMPLOYER, "Google", 1)
    plan = plan_temporal_update(
        [google], [candidate(Attribute.EMPLOYER, "Google", 9, end=9)], user_id="u1", new_id=ids()
    )
    [closed] = plan.closed
    assert (closed.valid_to, closed.valid_from, closed.superseded_by) == (day(9), day(1), None)


def test_a_closed_candidate_without_a_match_is_history_and_closes_nothing() -> None:
    mumbai = stored("f1", Attribute.LOCATION, "Mumbai", 1)
    plan = plan_temporal_update(
        [mumbai], [candidate(Attribute.LOCATION, "Boston", 5, end=5)], user_id="u1", new_id=ids()
    )
    [history] = plan.added
    assert (history.value, history.valid_to) == ("Boston", day(5))
    assert plan.closed == ()


def test_the_same_history_twice_is_confirmed() -> None:
    boston = stored("f1", Attribute.LOCATION, "Boston", 5, valid_to=day(5))
    plan = plan_temporal_update(
        [boston],
        [candidate(Attribute.LOCATION, "Boston", 5, end=5, message="m2")],
        user_id="u1",
        new_id=ids(),
    )
    assert plan.added == ()
    assert plan.confirmed[0].provenance == ("m-f1", "m2")


def test_another_users_facts_are_refused() -> None:
    other = Fact(
        fact_id="f1", user_id="u2", attribute=Attribute.LOCATION, value="Delhi", valid_from=day(1)
    )
    with pytest.raises(InvalidInput):
        plan_temporal_update([other], [], user_id="u1", new_id=ids())


def test_ids_come_only_from_the_factory() -> None:
    plan = plan_temporal_update(
        [],
        [candidate(Attribute.LIKES, "chess", 1), candidate(Attribute.LIKES, "go", 1)],
        user_id="u1",
        new_id=ids(),
    )
    assert [f.fact_id for f in plan.added] == ["n1", "n2"]


ATTRIBUTES = [Attribute.LOCATION, Attribute.EMPLOYER, Attribute.LIKES, Attribute.DISLIKES]


@st.composite
def batches(draw: st.DrawFn) -> list[list[FactCandidate]]:
    result: list[list[FactCandidate]] = []
    for batch_index in range(draw(st.integers(1, 5))):
        batch: list[FactCandidate] = []
        for _ in range(draw(st.integers(0, 4))):
            start = draw(st.integers(0, 30))
            closed = draw(st.booleans()) and draw(st.booleans())
            batch.append(
                candidate(
                    draw(st.sampled_from(ATTRIBUTES)),
                    draw(st.sampled_from(["Delhi", "Mumbai", "chess", "jazz"])),
                    start,
                    end=start if closed else None,
                    message=f"m{batch_index}",
                )
            )
        result.append(batch)
    return result


@settings(max_examples=150, deadline=None)
@given(batches())
def test_rules_keep_one_current_value_and_never_delete(batches: list[list[FactCandidate]]) -> None:
    facts: list[Fact] = []
    new_id = ids()
    for batch in batches:
        before = {f.fact_id for f in facts}
        facts = plan_temporal_update(facts, batch, user_id="u1", new_id=new_id).apply(facts)
        assert before <= {f.fact_id for f in facts}
        current = [f for f in facts if f.is_current]
        for attribute in {f.attribute for f in current if is_single_valued(f.attribute)}:
            assert len([f for f in current if f.attribute is attribute]) == 1
        preferences = [
            f.key.value for f in current if f.attribute in (Attribute.LIKES, Attribute.DISLIKES)
        ]
        assert len(preferences) == len(set(preferences))
        for fact in facts:
            if fact.superseded_by is not None:
                assert fact.superseded_by in {f.fact_id for f in facts}
