"""Bodies of the API key routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StrictBool, StringConstraints

from hybridmem.application.api_keys import CreatedApiKey
from hybridmem.domain.api_keys import MAX_KEY_NAME_LENGTH
from hybridmem.service.schemas.base import OutModel, StrictModel
from hybridmem.service.schemas.fields import no_nul

KeyName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_KEY_NAME_LENGTH),
    AfterValidator(no_nul),
]


class ApiKeyRequest(StrictModel):
    """Create an API key."""

    name: KeyName = Field(description="What the key is for, e.g. 'laptop MCP client'")
    read_only: StrictBool = Field(
        default=False,
        description="A read-only key may only read (GET, and POST /api/memory/search)",
    )


class ApiKeyOut(OutModel):
    """An API key as listed: never its secret, only its first characters."""

    key_id: str
    name: str
    prefix: str = Field(description="The key's first 11 characters, to tell keys apart")
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="When the key last authenticated a request (to the minute); null if never"
    )


class CreatedApiKeyOut(ApiKeyOut):
    """A new key with its secret, shown this once: store it now."""

    key: str = Field(description="The secret: send it as 'Authorization: Bearer <key>'")

    @classmethod
    def of_created(cls, created: CreatedApiKey) -> Self:
        """The response body of a new key."""
        listed = ApiKeyOut.of(created.key)
        return cls(**listed.model_dump(), key=created.secret)


class ApiKeyList(OutModel):
    """The caller's API keys, oldest first."""

    items: list[ApiKeyOut]
