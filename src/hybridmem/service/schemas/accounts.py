"""Bodies of the auth and users routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from hybridmem.domain.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from hybridmem.service.schemas.base import OutModel, StrictModel
from hybridmem.service.schemas.fields import About, ClientId, Metadata, Name, Password

#: A password being set (signup, change): the length rules; strength is checked by the
#: account service, which says which rule failed.
NewPassword = Annotated[
    str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
]


class SignupRequest(StrictModel):
    """Create an account."""

    email: EmailStr
    password: NewPassword = Field(
        description="At least 8 characters, at least 3 different ones, not one of the "
        "30,000 most common passwords nor easy to guess (e.g. built from the email)"
    )
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


class PasswordChangeRequest(StrictModel):
    """Change the password: the current one, and the new one (same rules as signup)."""

    current_password: Password
    new_password: NewPassword


class TokenResponse(BaseModel):
    """A bearer token."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires")


class UserOut(OutModel):
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


class UserPatch(StrictModel):
    """Change profile fields; metadata is merged and a key set to null is removed."""

    email: EmailStr | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    about: About | None = None
    metadata: Metadata | None = None
