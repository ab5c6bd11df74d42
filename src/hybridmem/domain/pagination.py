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
from typing import Generic, TypeVar

from hybridmem.domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of items and the cursor of the next page (None on the last)."""

    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(*key: str | int | float) -> str:
    """Encode a sort key into an opaque URL-safe cursor."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int) -> list[str | int | float]:
    """Decode a cursor made by :func:`encode_cursor`; InvalidInput if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor", details={"field": "cursor"}) from exc
    if (
        not isinstance(key, list)
        or len(key) != arity
        or not all(isinstance(part, str | int | float) for part in key)
    ):
        raise InvalidInput("invalid cursor", details={"field": "cursor"})
    return key
