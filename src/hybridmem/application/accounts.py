"""Accounts: signup, login, logout, token authentication and the user's profile."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hybridmem.application.providers import ProviderJobs
from hybridmem.domain.accounts import (
    MetadataPatch,
    NewUser,
    ProfileChange,
    User,
    check_password_policy,
    normalize_email,
    validate_id,
)
from hybridmem.domain.errors import Forbidden, NotFound, Unauthenticated
from hybridmem.domain.pagination import Page
from hybridmem.ports.accounts import LoginThrottle, TokenRevocations, UserRepository
from hybridmem.ports.outbox import Outbox
from hybridmem.ports.security import AccessTokens, IssuedToken, PasswordHasher, TokenClaims
from hybridmem.ports.system import Clock, Ids

INVALID_CREDENTIALS = "invalid credentials"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    user: User
    claims: TokenClaims

    @property
    def user_id(self) -> str:
        """The token's subject."""
        return self.user.user_id

    def require_same_user(self, user_id: str | None) -> str:
        """Return the user id to act on: the caller's own unless an admin names another.

        A ``user_id`` supplied by a client that differs from the token's subject is
        refused, so nobody reaches another user's data by editing a request body.
        """
        if user_id is None or user_id == self.user.user_id:
            return self.user.user_id
        if self.user.is_admin:
            return user_id
        raise Forbidden("user_id does not match the authenticated user")

    def require_admin(self) -> None:
        """Refuse non-admins."""
        if not self.user.is_admin:
            raise Forbidden("admin role required")


@dataclass(frozen=True, slots=True)
class Signup:
    """A signup request after schema validation."""

    email: str
    password: str
    user_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    about: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class AccountService:
    """Signup, login, logout, authentication and profile management."""

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        tokens: AccessTokens,
        revocations: TokenRevocations,
        throttle: LoginThrottle,
        ids: Ids,
        clock: Clock,
        outbox: Outbox | None = None,
        provider_jobs: ProviderJobs | None = None,
    ) -> None:
        self._users = users
        self._outbox = outbox
        self._provider_jobs = provider_jobs
        self._hasher = hasher
        self._tokens = tokens
        self._revocations = revocations
        self._throttle = throttle
        self._ids = ids
        self._clock = clock

    async def signup(self, request: Signup) -> User:
        """Create an account; Conflict if the email or user id is taken."""
        user_id = (
            validate_id(request.user_id, kind="user_id")
            if request.user_id is not None
            else self._ids.new_id("usr_")
        )
        check_password_policy(request.password)
        password_hash = await self._hasher.hash(request.password)
        user = await self._users.add(
            NewUser(
                user_id=user_id,
                email=request.email.strip(),
                password_hash=password_hash,
                first_name=request.first_name,
                last_name=request.last_name,
                about=request.about,
                metadata=dict(request.metadata),
            )
        )
        await self._sync_providers(user)
        return user

    async def _sync_providers(self, user: User) -> None:
        # Providers learn of the user through the outbox (so an outage delays, never
        # loses); the history delivery also creates the user lazily when it runs first.
        if self._outbox is not None and self._provider_jobs is not None:
            await self._outbox.enqueue(self._provider_jobs.user_sync(user))

    async def login(
        self, *, password: str, email: str | None = None, user_id: str | None = None
    ) -> IssuedToken:
        """Check a password and issue a token.

        Every failure looks the same to the caller (and takes about as long), whether
        the account exists or not; repeated failures lock the identifier for a while.
        """
        identifier = f"email:{normalize_email(email)}" if email else f"id:{user_id}"
        await self._throttle.check(identifier)
        credentials = await self._users.find_credentials(
            email=normalize_email(email) if email else None, user_id=user_id
        )
        if credentials is None:
            await self._hasher.burn(password)
            await self._throttle.record_failure(identifier)
            raise Unauthenticated(INVALID_CREDENTIALS)
        if not await self._hasher.verify(password, credentials.password_hash):
            await self._throttle.record_failure(identifier)
            raise Unauthenticated(INVALID_CREDENTIALS)
        await self._throttle.record_success(identifier)
        return self._tokens.issue(credentials.user_id)

    async def authenticate(self, token: str) -> Principal:
        """Turn a bearer token into the caller; Unauthenticated if it is not usable."""
        claims = self._tokens.verify(token)
        revoked, user = await asyncio.gather(
            self._revocations.is_revoked(claims.jti),
            self._users.get(claims.subject),
            return_exceptions=True,
        )
        if isinstance(revoked, BaseException):
            raise revoked
        if revoked or isinstance(user, NotFound):
            raise Unauthenticated("token is no longer valid")
        if isinstance(user, BaseException):
            raise user
        return Principal(user=user, claims=claims)

    async def logout(self, principal: Principal) -> None:
        """Revoke the caller's token until it would have expired anyway."""
        await self._revocations.revoke(
            principal.claims.jti, principal.user_id, principal.claims.expires_at
        )

    async def profile(self, user_id: str) -> User:
        """Return a user's profile."""
        return await self._users.get(user_id)

    async def update_profile(
        self,
        user_id: str,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        about: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> User:
        """Change profile fields; metadata is merged and ``None`` values remove keys."""
        change = ProfileChange(
            email=email.strip() if email is not None else None,
            first_name=first_name,
            last_name=last_name,
            about=about,
            metadata=MetadataPatch.from_request(metadata) if metadata is not None else None,
        )
        user = await self._users.update(user_id, change)
        await self._sync_providers(user)
        return user

    async def delete_account(self, user_id: str) -> None:
        """Delete the account and everything stored for the user, here and (through jobs
        retried until done, committed with the local delete) at every memory provider."""
        follow_up = self._provider_jobs.user_delete(user_id) if self._provider_jobs else []
        await self._users.delete(user_id, follow_up=follow_up)

    async def list_users(
        self,
        principal: Principal,
        *,
        limit: int,
        cursor: str | None,
        metadata_filter: tuple[str, Any] | None = None,
    ) -> Page[User]:
        """List all users (admins only)."""
        principal.require_admin()
        return await self._users.list(limit=limit, cursor=cursor, metadata_filter=metadata_filter)

    async def set_admin(self, user_id: str, is_admin: bool) -> User:
        """Grant or withdraw the admin role (operator command, not an HTTP route)."""
        return await self._users.set_admin(user_id, is_admin)

    async def purge_expired(self) -> int:
        """Forget expired revocations and stale throttle counters."""
        now = self._clock.now()
        return await self._revocations.purge_expired(now) + await self._throttle.purge_stale(now)
