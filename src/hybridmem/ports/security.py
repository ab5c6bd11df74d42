"""Password hashing and access tokens."""

from __future__ import annotations

from collections.abc import Sequence
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
    """The verified claims the service relies on.

    ``account_id`` and ``generation`` bind the token to one account instance and to the
    account's current token generation; both are checked on every request.
    """

    subject: str
    jti: str
    issued_at: datetime
    expires_at: datetime
    account_id: str
    generation: int


class PasswordHasher(Protocol):
    """Slow, salted password hashing. Each call may take ~250 ms of CPU: implementations
    run it off the event loop on a fixed number of threads, so callers bound how much
    work they hand over (see ``application.login_guard.HashingGate``)."""

    async def hash(self, password: str) -> str:
        """Return a self-describing hash of the password."""
        ...

    async def verify(self, password: str, password_hash: str) -> bool:
        """Whether the password matches; never raises for a malformed hash."""
        ...

    async def burn(self, password: str) -> None:
        """Spend the time of one verification, so unknown users cost as much as known ones."""
        ...


class PasswordStrength(Protocol):
    """The password rules that need word lists.

    Contract: ``check`` raises ``InvalidInput`` with ``details`` ``{"field": field,
    "rule": "common"}`` for a password on the list of most common passwords, and
    ``"rule": "guessable"`` for one that is easy to guess otherwise (patterns, words,
    or built from ``user_inputs`` such as the email and user id); otherwise it returns.
    """

    def check(self, password: str, *, user_inputs: Sequence[str], field: str) -> None:
        """Refuse a common or guessable password, naming the rule."""
        ...


class AccessTokens(Protocol):
    """Signs and verifies access tokens.

    Contract: ``verify`` raises ``Unauthenticated`` for anything but a token this
    issuer signed with the pinned algorithm, for this audience, carrying every required
    claim (``sub``, ``iat``, ``nbf``, ``exp``, ``jti``, ``iss``, ``aud``, and the account
    binding ``acc`` and ``gen``), not expired and not used before its ``iat``/``nbf``;
    the error message does not say which check failed.
    """

    def issue(self, subject: str, *, account_id: str, generation: int) -> IssuedToken:
        """Sign a new token for the subject, bound to its account and token generation."""
        ...

    def verify(self, token: str) -> TokenClaims:
        """Return the verified claims."""
        ...
