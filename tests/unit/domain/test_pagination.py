"""Cursors decode only to what their shape says: the types per position, no NUL, no lone
surrogate, no non-finite or out-of-range number, no unrepresentable time."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.pagination import decode_cursor, encode_cursor


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


STAMP = "2024-05-08T13:56:00+00:00"


def test_a_time_and_id_cursor_round_trips_as_a_datetime():
    moment = datetime(2024, 5, 8, 13, 56, tzinfo=UTC)
    assert decode_cursor(encode_cursor(moment, "a:b"), datetime, str) == (moment, "a:b")
    assert decode_cursor(encode_cursor(moment.isoformat(), "x"), datetime, str) == (moment, "x")
    assert decode_cursor(encode_cursor(41), int) == (41,)


@pytest.mark.parametrize(
    ("raw", "shape"),
    [
        (json.dumps([STAMP, "\u0000"]), (datetime, str)),
        (json.dumps([STAMP, "a\u0000b"]), (datetime, str)),
        (json.dumps([STAMP, "\ud800"]), (datetime, str)),
        (json.dumps(["\udfff"]), (str,)),
        (json.dumps([STAMP, 1]), (datetime, str)),
        (json.dumps([STAMP, None]), (datetime, str)),
        (json.dumps([1, "x"]), (datetime, str)),
        (json.dumps(["2024-05-08T13:56:00", "x"]), (datetime, str)),  # naive
        (json.dumps(["9999-12-31T23:59:59-14:00", "x"]), (datetime, str)),  # year 10000 UTC
        (json.dumps(["x"]), (int,)),
        ("[1e999]", (int,)),
        ("[-1e999]", (int,)),
        ("[NaN]", (int,)),
        ("[Infinity]", (int,)),
        ("[1.0]", (int,)),
        ("[true]", (int,)),
        (json.dumps([2**63]), (int,)),
        (json.dumps([-(2**63) - 1]), (int,)),
        (json.dumps([1, 2]), (int,)),
        ("[]", (int,)),
        ('{"a": 1}', (int,)),
        ("[" * 100_000, (int,)),
    ],
)
def test_hostile_cursors_are_invalid_input(raw, shape):
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(_raw(raw), *shape)
    assert caught.value.details == {"field": "cursor"}


def test_undecodable_bytes_are_invalid_input():
    with pytest.raises(InvalidInput):
        decode_cursor(base64.urlsafe_b64encode(b"\xff\xfe[1]").decode(), int)


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_any_json_either_decodes_to_the_shape_or_is_invalid_input(value):
    cursor = _raw(json.dumps(value))
    for shape in ((int,), (str,), (datetime, str)):
        try:
            decoded = decode_cursor(cursor, *shape)
        except InvalidInput:
            continue
        assert len(decoded) == len(shape)
        for part, kind in zip(decoded, shape, strict=True):
            assert type(part) is kind or isinstance(part, kind)
            if isinstance(part, str):
                assert "\x00" not in part
                part.encode("utf-8")


def test_times_with_offsets_are_kept_when_representable():
    moment = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert decode_cursor(encode_cursor(moment, "x"), datetime, str)[0] == moment
