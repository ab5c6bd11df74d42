"""Validated field types shared by every request body: times, ids, metadata, text.

Each rule lives here once, so every route that accepts, say, a date-time refuses the same
values with the same message."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, StringConstraints

from hybridmem.domain.accounts import ID_PATTERN, MAX_METADATA_BYTES, MAX_PASSWORD_LENGTH
from hybridmem.domain.moments import RANGE_RULE, is_representable

MAX_METADATA_DEPTH = 8


def _depth(value: Any, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(item, level + 1) for item in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(item, level + 1) for item in value), default=level + 1)
    return level


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def no_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a string, list or mapping."""
    # PostgreSQL cannot store NUL characters in text or jsonb; refuse them up front.
    if _has_nul(value):
        raise ValueError("text must not contain NUL (\\u0000) characters")
    return value


_ISO_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def iso_8601_only(value: Any) -> Any:
    """Refuse numbers posing as times: pydantic would read "0.5" as a Unix timestamp."""
    if isinstance(value, str) and not _ISO_8601.match(value):
        raise ValueError("expected an ISO 8601 date-time such as 2024-05-08T13:56:00Z")
    return value


def _representable(value: datetime) -> datetime:
    # Python holds 9999-12-31T23:59:59-14:00, but in UTC it is year 10000: PostgreSQL
    # would store it and no read could load it back. The domain applies the same rule.
    if not is_representable(value):
        raise ValueError(f"expected a time {RANGE_RULE}")
    return value


#: Every date-time the API accepts: ISO 8601 with a UTC offset, within years 1-9999 in UTC.
Moment = Annotated[AwareDatetime, BeforeValidator(iso_8601_only), AfterValidator(_representable)]


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    no_nul(value)
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must serialize to at most {MAX_METADATA_BYTES} bytes")
    if _depth(value) > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata may nest at most {MAX_METADATA_DEPTH} levels")
    for key in value:
        if not key or len(key) > 256:
            raise ValueError("metadata keys must have 1-256 characters")
    return value


Metadata = Annotated[dict[str, Any], AfterValidator(_check_metadata)]
ClientId = Annotated[
    str, StringConstraints(pattern=ID_PATTERN.pattern, min_length=1, max_length=128)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(no_nul)
]
About = Annotated[str, StringConstraints(max_length=5000), AfterValidator(no_nul)]
Content = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(no_nul)
]
SearchQuery = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), AfterValidator(no_nul)
]
# Fact ids are ours ("fct_…", "graph:fct_…"): the id alphabet, a little longer. Anything
# else (NUL, which PostgreSQL cannot even compare, control or non-ASCII characters) can
# name no fact and is refused with 422.
FACT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}$"
FactIdText = Annotated[str, StringConstraints(pattern=FACT_ID_PATTERN, max_length=200)]
#: Free text in a query string (PostgreSQL cannot compare text holding NUL).
QueryText = Annotated[str, AfterValidator(no_nul)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
