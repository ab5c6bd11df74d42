"""Keyset pagination with opaque cursors.

A cursor encodes the sort key of the last item returned, so pages stay stable while
rows are inserted or deleted elsewhere (no skipped or repeated items, unlike offsets).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.moments import is_aware, is_representable

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of items and the cursor of the next page (None on the last)."""

    items: Sequence[T]
    next_cursor: str | None


CursorPart = str | int | datetime
CursorKind = type[str] | type[int] | type[datetime]
#: The type of each position of a cursor, e.g. ``(datetime, str)`` for "created_at, id".
CursorShape = tuple[CursorKind, ...]

_BIGINT = 2**63  # cursors feed PostgreSQL bigint comparisons


def encode_cursor(*key: CursorPart) -> str:
    """Encode a sort key into an opaque URL-safe cursor (datetimes as ISO 8601)."""
    parts = [part.isoformat() if isinstance(part, datetime) else part for part in key]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid() -> InvalidInput:
    return InvalidInput("invalid cursor", details={"field": "cursor"})


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a cursor value")


def _text(part: object) -> str:
    # A decoded JSON string may hold what no database column can: NUL, or a lone
    # surrogate (not encodable as UTF-8). Such a cursor was never made by us.
    if not isinstance(part, str) or "\x00" in part:
        raise _invalid()
    try:
        part.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _invalid() from exc
    return part


def _part(part: object, kind: CursorKind) -> CursorPart:
    if kind is int:
        # bool is an int in Python, and floats (1.0, 1e999, NaN) are never ours
        if type(part) is not int or not -_BIGINT <= part < _BIGINT:
            raise _invalid()
        return part
    text = _text(part)
    if kind is str:
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _invalid() from exc
    if not is_aware(moment) or not is_representable(moment):
        raise _invalid()
    return moment


def decode_cursor(cursor: str, *shape: CursorKind) -> tuple[Any, ...]:
    """Decode a cursor made by :func:`encode_cursor` whose parts have the types of
    ``shape`` (``datetime`` parts come back as aware datetimes); InvalidInput if the
    cursor is not one: not base64 JSON, another arity, a part of another type, text with
    NUL or a lone surrogate, a non-finite or out-of-range number, an unrepresentable time."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()), parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeError, RecursionError) as exc:
        raise _invalid() from exc
    if not isinstance(key, list) or len(key) != len(shape):
        raise _invalid()
    return tuple(_part(part, kind) for part, kind in zip(key, shape, strict=True))
