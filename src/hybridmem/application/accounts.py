"""Accounts: signup, login, logout, token authentication and the user's profile."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hybridmem.application.api_keys import ApiKeyService
from hybridmem.application.login_guard import AddressGuard, HashingGate, LoginPass
from hybridmem.application.principals import INVALID_TOKEN, Principal
from hybridmem.application.providers import ProviderJobs
from hybridmem.domain.accounts import (
    Credentials,
    LoginSubject,
    MetadataPatch,
    NewUser,
    ProfileChange,
    User,
    check_password_policy,
    normalize_email,
    validate_id,
)
from hybridmem.domain.api_keys import looks_like_api_key
from hybridmem.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from hybridmem.domain.pagination import Page
from hybridmem.ports.accounts import LoginThrottle, TokenRevocations, UserRepository
from hybridmem.ports.outbox import Outbox
from hybridmem.ports.security import (
    AccessTokens,
    IssuedToken,
    PasswordHasher,
    PasswordStrength,
)
from hybridmem.ports.system import Clock, Ids

INVALID_CREDENTIALS = "invalid credentials"

__all__ = ["INVALID_TOKEN", "AccountService", "Principal", "Signup"]


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


def _personal_words(email: str | None, *parts: str | None) -> list[str]:
    """What a password must not be built from: the email, its local part, ids, names."""
    words = [part for part in parts if part]
    if email:
        words += [email, email.split("@", 1)[0]]
    return words


class AccountService:
    """Signup, login, logout, password change, authentication and profile management.

    Every bcrypt call goes through the ``HashingGate`` and every login through the
    ``AddressGuard`` (see ``application.login_guard``), so junk logins cannot queue up
    unbounded hashing work ahead of real users.
    """

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
        strength: PasswordStrength | None = None,
        guard: AddressGuard | None = None,
        gate: HashingGate | None = None,
        refusal_delay: float = 0.0,
        outbox: Outbox | None = None,
        provider_jobs: ProviderJobs | None = None,
        api_keys: ApiKeyService | None = None,
    ) -> None:
        self._users = users
        self._api_keys = api_keys
        self._outbox = outbox
        self._provider_jobs = provider_jobs
        self._hasher = hasher
        self._tokens = tokens
        self._revocations = revocations
        self._throttle = throttle
        self._ids = ids
        self._clock = clock
        self._strength = strength
        self._guard = guard or AddressGuard(clock)
        self._gate = gate or HashingGate(slots=2)
        self._refusal_delay = refusal_delay

    @contextlib.asynccontextmanager
    async def _slow_refusals(self) -> AsyncIterator[None]:
        # A 429 is answered only after a pause (a tarpit): a client that ignores
        # Retry-After and sends again at once, as junk does, gets at most one refusal per
        # connection per pause, instead of keeping the event loop busy answering them.
        try:
            yield
        except RateLimited:
            if self._refusal_delay > 0:
                await asyncio.sleep(self._refusal_delay)
            raise

    def _check_password(self, password: str, *, field: str, personal: Sequence[str]) -> None:
        check_password_policy(password, field=field)
        if self._strength is not None:
            self._strength.check(password, user_inputs=personal, field=field)

    async def signup(self, request: Signup, *, client_address: str | None = None) -> User:
        """Create an account; Conflict if the email or user id is taken."""
        user_id = (
            validate_id(request.user_id, kind="user_id")
            if request.user_id is not None
            else self._ids.new_id("usr_")
        )
        email = request.email.strip()
        self._check_password(
            request.password,
            field="password",
            personal=_personal_words(email, request.user_id, request.first_name, request.last_name),
        )
        async with self._slow_refusals():
            admitted = self._guard.admit(client_address)
            try:
                password_hash = await self._gate.run(
                    lambda: self._hasher.hash(request.password), suspect=admitted.suspect
                )
                user = await self._users.add(
                    NewUser(
                        user_id=user_id,
                        email=email,
                        password_hash=password_hash,
                        first_name=request.first_name,
                        last_name=request.last_name,
                        about=request.about,
                        metadata=dict(request.metadata),
                    )
                )
            except Conflict:
                # a signup for a taken email or id cost a hash for nothing: it counts for
                # the address like a failed login, so repeating it is throttled the same way
                admitted.failed()
                raise
            finally:
                admitted.release()
        await self._sync_providers(user)
        return user

    async def _sync_providers(self, user: User) -> None:
        # Providers learn of the user through the outbox (so an outage delays, never
        # loses); the history delivery also creates the user lazily when it runs first.
        if self._outbox is not None and self._provider_jobs is not None:
            await self._outbox.enqueue(self._provider_jobs.user_sync(user))

    async def _password_matches(
        self, admitted: LoginPass, password: str, credentials: Credentials | None
    ) -> bool:
        # Unknown accounts cost one decoy verification through the same gate and pool,
        # so both paths take the same time and the same share of the hashing threads.
        if credentials is None:
            await self._gate.run(lambda: self._hasher.burn(password), suspect=admitted.suspect)
            matches = False
        else:
            matches = await self._gate.run(
                lambda: self._hasher.verify(password, credentials.password_hash),
                suspect=admitted.suspect,
            )
        if not matches:
            admitted.failed()
        return matches

    async def login(
        self,
        *,
        password: str,
        email: str | None = None,
        user_id: str | None = None,
        client_address: str | None = None,
    ) -> IssuedToken:
        """Check a password and issue a token bound to the account.

        Every failure looks the same to the caller (and takes about as long), whether
        the account exists or not. Attempts are counted per account, whichever
        identifier named it (email or user id, JSON or form); identifiers naming no
        account are counted on their own.
        """
        async with self._slow_refusals():
            admitted = self._guard.admit(client_address)
            try:
                credentials = await self._users.find_credentials(
                    email=normalize_email(email) if email else None,
                    user_id=None if email else user_id,
                )
                subject = (
                    LoginSubject.for_account(credentials)
                    if credentials is not None
                    else LoginSubject.for_identifier(email=email, user_id=user_id)
                )
                await self._throttle.attempt(subject)
                matches = await self._password_matches(admitted, password, credentials)
                if credentials is None or not matches:
                    raise Unauthenticated(INVALID_CREDENTIALS)
                await self._throttle.succeeded(subject)
            finally:
                admitted.release()
        return self._tokens.issue(
            credentials.user_id,
            account_id=credentials.account_id,
            generation=credentials.token_generation,
        )

    async def authenticate(self, credential: str) -> Principal:
        """Turn a bearer credential — a token or an API key (``hm_…``) — into the caller;
        Unauthenticated, with one message for every failure of either kind, if it is
        not usable.

        A token must verify, must not be revoked, and must name the account as it is
        now: the same account instance (``acc``) and its current token generation
        (``gen``). A key must be live and of the account instance that made it.
        """
        if looks_like_api_key(credential):
            if self._api_keys is None:
                raise Unauthenticated(INVALID_TOKEN)
            return await self._api_keys.authenticate(credential)
        return await self._authenticate_token(credential)

    async def _authenticate_token(self, token: str) -> Principal:
        try:
            claims = self._tokens.verify(token)
        except Unauthenticated:
            raise Unauthenticated(INVALID_TOKEN) from None
        revoked, account = await asyncio.gather(
            self._revocations.is_revoked(claims.jti),
            self._users.identity(claims.subject),
            return_exceptions=True,
        )
        if isinstance(revoked, BaseException):
            raise revoked
        if isinstance(account, NotFound):
            raise Unauthenticated(INVALID_TOKEN)
        if isinstance(account, BaseException):
            raise account
        if (
            revoked
            or account.account_id != claims.account_id
            or account.token_generation != claims.generation
        ):
            raise Unauthenticated(INVALID_TOKEN)
        return Principal(account=account, claims=claims)

    async def logout(self, principal: Principal) -> None:
        """Revoke the caller's token until it would have expired anyway (a key is not a
        session: it is revoked through the key routes; Forbidden here)."""
        claims = principal.require_session("logging out")
        await self._revocations.revoke(claims.jti, principal.user_id, claims.expires_at)

    async def logout_everywhere(self, principal: Principal) -> None:
        """Revoke every token of the caller's account, this one included (API keys are
        separate credentials and stay valid)."""
        principal.require_session("logging out everywhere")
        await self._users.revoke_all_tokens(principal.user_id, principal.account.account_id)

    async def change_password(
        self,
        principal: Principal,
        *,
        current_password: str,
        new_password: str,
        client_address: str | None = None,
    ) -> IssuedToken:
        """Replace the password after checking the current one; every token of the account
        is revoked and a fresh one is returned.

        The current password is checked like a login (same per-account budget, same
        address limits), so a stolen token is no oracle for guessing it. API keys are
        refused: changing the password needs a signed-in session.
        """
        principal.require_session("changing the password")
        profile = await self._users.get(principal.user_id)
        self._check_password(
            new_password,
            field="new_password",
            personal=_personal_words(
                profile.email, profile.user_id, profile.first_name, profile.last_name
            ),
        )
        async with self._slow_refusals():
            return await self._replace_password(
                principal, current_password, new_password, client_address
            )

    async def _replace_password(
        self,
        principal: Principal,
        current_password: str,
        new_password: str,
        client_address: str | None,
    ) -> IssuedToken:
        admitted = self._guard.admit(client_address)
        try:
            credentials = await self._users.find_credentials(email=None, user_id=principal.user_id)
            if credentials is None or credentials.account_id != principal.account.account_id:
                raise Unauthenticated(INVALID_TOKEN)
            subject = LoginSubject.for_account(credentials)
            await self._throttle.attempt(subject)
            if not await self._password_matches(admitted, current_password, credentials):
                raise Forbidden("current_password is wrong", details={"field": "current_password"})
            await self._throttle.succeeded(subject)
            new_hash = await self._gate.run(
                lambda: self._hasher.hash(new_password), suspect=admitted.suspect
            )
        finally:
            admitted.release()
        generation = await self._users.change_password(
            principal.user_id, credentials.account_id, new_hash
        )
        return self._tokens.issue(
            principal.user_id, account_id=credentials.account_id, generation=generation
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

    async def delete_account(self, user_id: str, *, account_id: str | None = None) -> None:
        """Delete the account and everything stored for the user, here and (through jobs
        retried until done, committed with the local delete) at every memory provider.
        With ``account_id``, only that account instance (not one re-created since)."""
        follow_up = self._provider_jobs.user_delete(user_id) if self._provider_jobs else []
        await self._users.delete(user_id, account_id=account_id, follow_up=follow_up)

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
