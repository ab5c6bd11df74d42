"""Consolidation: where ``superseded_by`` links point when a merge folds facts away."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.consolidation import (
    DecisionKind,
    StoredFact,
    apply_decisions,
    consolidate,
    fact_memory,
)
from hybridmem.domain.facts import Fact
from tests.unit.domain.test_consolidation import (
    PROPERTY_SETTINGS,
    by_kind,
    day,
    fact,
    in_facts,
    stored_facts,
)


def _closed(fact_id: str, value: str, start: int, end: int, superseded_by: str) -> Fact:
    return replace(
        fact(fact_id, Attribute.LOCATION, value, start, end), superseded_by=superseded_by
    )


def _merge_result(items: list[StoredFact]) -> Fact:
    [merge] = by_kind(consolidate(items), DecisionKind.MERGE)
    assert merge.result is not None
    return merge.result


def test_a_merge_names_a_successor_that_is_still_there() -> None:
    # The shape hypothesis found (test_consolidation_loses_nothing): "Delhi", closed by
    # consolidation for "Mumbai", merges with two closed copies; the latest-ending one named
    # the other, which the merge deletes, so the survivor's pointer dangled (and, re-pointed
    # on apply, named the survivor itself).
    items = in_facts(
        fact("f1", Attribute.LOCATION, "Delhi", 0),
        _closed("f3", "Delhi", 0, 8, superseded_by="f4"),
        fact("f4", Attribute.LOCATION, "delhi.", 2, 8),
        fact("f9", Attribute.LOCATION, "Mumbai", 5),
    )
    result = _merge_result(items)
    assert (result.fact_id, result.valid_to, result.superseded_by) == ("f1", day(8), "f9")
    after = {f.fact_id: f for f in fact_memory(apply_decisions(items, consolidate(items)))}
    assert after["f1"].superseded_by == "f9"


def test_a_merged_copy_naming_itself_is_no_successor() -> None:
    # The minimal hypothesis example: the closed copy's link names the copy itself.
    items = in_facts(
        fact("f1", Attribute.LOCATION, "Delhi", 0),
        _closed("f2", "Delhi", 0, 1, superseded_by="f2"),
        fact("f9", Attribute.LOCATION, "Mumbai", 0),
    )
    assert _merge_result(items).superseded_by == "f9"


def test_a_merge_prefers_a_successor_that_exists_to_a_deleted_one() -> None:
    # "gone" was deleted by the user; the fact consolidation closes f1 for is still there.
    items = in_facts(
        fact("f1", Attribute.LOCATION, "Delhi", 0),
        _closed("f3", "Delhi", 0, 8, superseded_by="gone"),
        fact("f9", Attribute.LOCATION, "Mumbai", 5),
    )
    assert _merge_result(items).superseded_by == "f9"


def test_a_closed_fact_naming_a_merged_duplicate_is_kept_and_re_pointed() -> None:
    items = in_facts(
        _closed("f1", "Delhi", 0, 3, superseded_by="f3"),
        fact("f2", Attribute.LOCATION, "Mumbai", 3),
        fact("f3", Attribute.LOCATION, "mumbai!", 4),
    )
    decisions = consolidate(items)
    assert {(d.kind, d.fact.fact_id) for d in decisions} == {
        (DecisionKind.KEEP, "f1"),
        (DecisionKind.MERGE, "f2"),
    }
    after = {f.fact_id: f for f in fact_memory(apply_decisions(items, decisions))}
    assert after["f1"].superseded_by == "f2"


@PROPERTY_SETTINGS
@given(stored_facts())
def test_no_result_names_itself_or_a_merged_duplicate(items: list[StoredFact]) -> None:
    decisions = consolidate(items)
    merged = {duplicate.fact_id for decision in decisions for duplicate in decision.duplicates}
    for decision in decisions:
        if decision.result is not None and decision.result.superseded_by is not None:
            assert decision.result.superseded_by != decision.result.fact_id
            assert decision.result.superseded_by not in merged
