"""Query parameters shared by list endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from hybridmem.domain.pagination import DEFAULT_LIMIT, MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="The next_cursor of the previous page"),
]
DEFAULT_PAGE_SIZE = DEFAULT_LIMIT
