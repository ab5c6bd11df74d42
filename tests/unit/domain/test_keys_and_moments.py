"""Composite keys never collide; times outside years 1-9999 in UTC are refused, and time
arithmetic on user-supplied times stops at the calendar's edge instead of overflowing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import FactKey, fact_key, make_candidate
from hybridmem.domain.keys import composite_key, split_key
from hybridmem.domain.moments import EARLIEST, LATEST, earlier_by, require_moment
from hybridmem.domain.sentences import event_time, ongoing_since

PARTS = st.lists(st.text(alphabet=st.sampled_from(":%|ab\x1f3A"), max_size=6), max_size=4)


@given(PARTS, PARTS, st.sampled_from([":", "|", "\x1f"]))
def test_different_parts_never_make_the_same_key(left, right, separator):
    if left != right and len(left) == len(right):
        assert composite_key(*left, separator=separator) != composite_key(
            *right, separator=separator
        )
    if left:
        assert split_key(composite_key(*left, separator=separator), separator=separator) == left


def test_the_attack_ids_no_longer_collide():
    assert composite_key("memory.extract", "t", "alice:m1") != composite_key(
        "memory.extract", "t:alice", "m1"
    )
    # ordinary ids keep the key they always had (nothing changes on upgrade for them)
    assert composite_key("memory.extract", "alice", "msg_1") == "memory.extract:alice:msg_1"


def test_fact_keys_with_the_separator_in_free_text_stay_apart():
    # normalization drops "|" from extracted values today; the key must not rely on it
    left = FactKey(Attribute.LIKES, value="c", qualifier="a|b")
    right = FactKey(Attribute.LIKES, value="b|c", qualifier="a")
    assert str(left) != str(right)
    assert str(fact_key(Attribute.LIKES, "tea", "hot")) == "likes|hot|tea"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(minutes=1))),
    ],
)
def test_times_beyond_the_calendar_in_utc_are_refused(moment):
    with pytest.raises(InvalidInput, match="between"):
        require_moment(moment, field_name="occurred_at")
    with pytest.raises(InvalidInput, match="between"):
        make_candidate(Attribute.LOCATION, "Oslo", observed_at=moment)


def test_naive_times_are_refused_and_the_edges_accepted():
    with pytest.raises(InvalidInput, match="timezone-aware"):
        require_moment(datetime(2024, 1, 1), field_name="at")
    assert require_moment(LATEST, field_name="at") == LATEST
    assert require_moment(EARLIEST, field_name="at") == EARLIEST


def test_time_phrases_stop_at_year_one():
    now = datetime(2024, 5, 8, tzinfo=UTC)
    assert event_time("I moved to Paris 999 decades ago", now) == EARLIEST
    assert ongoing_since("I have lived here for 999 decades", now) == EARLIEST
    assert event_time("I moved here yesterday", EARLIEST) == EARLIEST
    plus_ten = datetime(1, 1, 1, 12, tzinfo=timezone(timedelta(hours=10)))
    assert earlier_by(plus_ten, timedelta(hours=1)).astimezone(UTC) >= EARLIEST
    assert earlier_by(now, timedelta(days=1)) == now - timedelta(days=1)
