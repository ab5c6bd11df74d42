"""Pure rules of accounts: ids, passwords, metadata patches, cursors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.accounts import (
    MAX_METADATA_BYTES,
    MetadataPatch,
    check_merged_metadata,
    check_password_policy,
    normalize_email,
    validate_id,
)
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize("value", ["user123", "a", "x.y_z:1@host+tag-2", "A" * 128])
def test_valid_ids(value):
    assert validate_id(value, kind="user_id") == value


@pytest.mark.parametrize("value", ["", "-lead", "has space", "a/b", "é", "A" * 129, "a\nb"])
def test_invalid_ids(value):
    with pytest.raises(InvalidInput):
        validate_id(value, kind="user_id")


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("1234567", "min_length"),
        ("aaaaaaaaaa", "distinct_characters"),
        ("abababab", "distinct_characters"),
        ("x" * 257, "max_length"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(password, rule):
    with pytest.raises(InvalidInput) as refused:
        check_password_policy(password)
    assert refused.value.details == {"field": "password", "rule": rule}


@pytest.mark.parametrize(
    ("email", "normalized"),
    [
        (" Alice@Example.COM ", "alice@example.com"),
        ("ａｌｉｃｅ@example.com", "alice@example.com"),
        ("ﬁle@example.com", "file@example.com"),
        ("Ⅻ@example.com", "xii@example.com"),
    ],
)
def test_emails_are_nfkc_normalized(email, normalized):
    assert normalize_email(email) == normalized


def test_merged_metadata_is_capped():
    check_merged_metadata({"a": "x" * (MAX_METADATA_BYTES - 20)})
    with pytest.raises(InvalidInput) as refused:
        check_merged_metadata({"a": "x" * MAX_METADATA_BYTES})
    assert refused.value.details["rule"] == "max_bytes"


def test_reasonable_password_passes():
    check_password_policy("correct horse battery staple")


def test_patch_sets_and_removes():
    patch = MetadataPatch.from_request({"a": 2, "b": None, "c": {"x": 1}})
    assert patch.apply({"a": 1, "b": 1, "d": 4}) == {"a": 2, "c": {"x": 1}, "d": 4}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=8,
)
metadata = st.dictionaries(st.text(min_size=1, max_size=4), json_values, max_size=6)


@given(metadata, metadata)
def test_patch_is_idempotent_and_never_keeps_null_keys(stored, patch_body):
    patch = MetadataPatch.from_request(patch_body)
    once = patch.apply(stored)
    assert patch.apply(once) == once
    for key, value in patch_body.items():
        if value is None:
            assert key not in once
        else:
            assert once[key] == value
    for key in stored.keys() - patch_body.keys():
        assert once[key] == stored[key]


@given(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
def test_cursor_round_trip(text, number):
    assert decode_cursor(encode_cursor(text, number), str, int) == (text, number)


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", encode_cursor("a"), "W3t9LCAxXQ"])
def test_bad_cursors_are_invalid_input(cursor):
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, str, int)
