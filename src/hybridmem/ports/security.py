"""Password hashing and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly signed access token."""

    token: str
    jti: str
    expires_at: datetime
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified claims the service relies on."""

    subject: str
    jti: str
    issued_at: datetime
    expires_at: datetime


class PasswordHasher(Protocol):
    """Slow, salted password hashing. Both calls may take ~100 ms: run off the loop."""

    async def hash(self, password: str) -> str:
        """Return a self-describing hash of the password."""
        ...

    async def verify(self, password: str, password_hash: str) -> bool:
        """Whether the password matches; never raises for a malformed hash."""
        ...

    async def burn(self, password: str) -> None:
        """Spend the time of one verification, so unknown users cost as much as known ones."""
        ...


class AccessTokens(Protocol):
    """Signs and verifies access tokens.

    Contract: ``verify`` raises ``Unauthenticated`` for anything but a token this
    issuer signed with the pinned algorithm, for this audience, not expired and not
    used before its ``iat``/``nbf``; the error message does not say which check failed.
    """

    def issue(self, subject: str) -> IssuedToken:
        """Sign a new token for the subject."""
        ...

    def verify(self, token: str) -> TokenClaims:
        """Return the verified claims."""
        ...
