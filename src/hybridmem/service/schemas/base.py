"""Base classes of the HTTP bodies: strict requests, responses read off domain objects,
and one generic page."""

from __future__ import annotations

from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A request body: unknown fields are refused so typos surface instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class OutModel(BaseModel):
    """A response body read from the attributes of a domain or application object of the
    same shape (fields named alike; enums become their values)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, source: Any) -> Self:
        """Convert from the domain or application type."""
        return cls.model_validate(source, from_attributes=True)


ItemT = TypeVar("ItemT", bound=BaseModel)


class Page(OutModel, Generic[ItemT]):
    """A page of items and the cursor of the next page (null on the last)."""

    items: list[ItemT]
    next_cursor: str | None
