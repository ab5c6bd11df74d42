"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from hybridmem.domain.accounts import (
    ID_PATTERN,
    MAX_PASSWORD_LENGTH,
    ChatSession,
    User,
)

MAX_METADATA_BYTES = 16_384
MAX_METADATA_DEPTH = 8


def _depth(value: Any, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(item, level + 1) for item in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(item, level + 1) for item in value), default=level + 1)
    return level


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
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
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
About = Annotated[str, StringConstraints(max_length=5000)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


class StrictModel(BaseModel):
    """Unknown fields are refused so typos surface instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class SignupRequest(StrictModel):
    """Create an account."""

    email: EmailStr
    password: Password
    user_id: ClientId | None = Field(
        default=None, description="Your own id for the user (e.g. 'user123'); generated if absent"
    )
    first_name: Name | None = None
    last_name: Name | None = None
    about: About | None = None
    metadata: Metadata = Field(default_factory=dict)


class LoginRequest(StrictModel):
    """Log in with an email or a user id."""

    email: EmailStr | None = None
    user_id: ClientId | None = None
    password: Password


class TokenResponse(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires")


class UserOut(BaseModel):
    """A user's profile."""

    user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    about: str | None
    metadata: dict[str, Any]
    is_admin: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        """Convert from the domain type."""
        return cls(
            user_id=user.user_id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            about=user.about,
            metadata=user.metadata,
            is_admin=user.is_admin,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UserPatch(StrictModel):
    """Change profile fields; metadata is merged and a key set to null is removed."""

    email: EmailStr | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    about: About | None = None
    metadata: Metadata | None = None


class UserPage(BaseModel):
    """A page of users."""

    items: list[UserOut]
    next_cursor: str | None


class SessionStartRequest(StrictModel):
    """Start (or find) a chat session."""

    session_id: ClientId | None = Field(
        default=None, description="Your own id for the session; generated if absent"
    )
    metadata: Metadata | None = None
    user_id: ClientId | None = Field(
        default=None, description="Accepted for compatibility; must be the caller's own id"
    )


class SessionOut(BaseModel):
    """A chat session."""

    session_id: str
    user_id: str
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, session: ChatSession) -> SessionOut:
        """Convert from the domain type."""
        return cls(
            session_id=session.session_id,
            user_id=session.user_id,
            metadata=session.metadata,
            created_at=session.created_at,
            updated_at=session.updated_at,
        )


class SessionPatch(StrictModel):
    """Merge metadata into a session; a key set to null is removed."""

    metadata: Metadata


class SessionPage(BaseModel):
    """A page of sessions."""

    items: list[SessionOut]
    next_cursor: str | None


class HealthOut(BaseModel):
    """Liveness."""

    status: str


class ReadinessOut(BaseModel):
    """Readiness of each dependency."""

    status: str
    checks: dict[str, dict[str, Any]]
