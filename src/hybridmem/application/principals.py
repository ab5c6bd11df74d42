"""Who is calling: the authenticated principal of one request, by token or by API key."""

from __future__ import annotations

from dataclasses import dataclass

from hybridmem.domain.accounts import AccountIdentity
from hybridmem.domain.api_keys import ApiKey
from hybridmem.domain.errors import Forbidden
from hybridmem.ports.security import TokenClaims

#: The one message of every credential failure: missing, malformed, forged, expired,
#: revoked, of a deleted or re-created account, older than a password change — for
#: tokens and API keys alike, so a refusal never tells which kind was tried.
INVALID_TOKEN = "missing, invalid, expired or revoked token"  # noqa: S105 - a message
#: ``details.rule`` of the refusals below, stable for clients.
SESSION_REQUIRED = "session_required"
READ_ONLY_KEY = "read_only_key"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request: the account (without its profile) and
    the credential that proved it — a verified token (``claims``, a signed-in session)
    or an API key (``api_key``), exactly one of the two."""

    account: AccountIdentity
    claims: TokenClaims | None = None
    api_key: ApiKey | None = None

    def __post_init__(self) -> None:
        if (self.claims is None) == (self.api_key is None):
            raise ValueError("a principal has either token claims or an API key")

    @property
    def user_id(self) -> str:
        """The caller's user id."""
        return self.account.user_id

    @property
    def can_write(self) -> bool:
        """Whether the caller may change data: tokens and read-write keys may."""
        return self.api_key is None or not self.api_key.read_only

    def require_session(self, action: str) -> TokenClaims:
        """The token of a signed-in session; API keys are refused (403) for ``action``.

        Managing credentials (keys, logout, password) and deleting the account need a
        session, so a leaked key can neither mint more keys nor lock its owner out.
        """
        if self.claims is None:
            raise Forbidden(
                f"{action} needs a signed-in session (a token from /api/auth/login), "
                "not an API key",
                details={"rule": SESSION_REQUIRED},
            )
        return self.claims

    def require_write(self) -> None:
        """Refuse a read-only API key (403)."""
        if not self.can_write:
            raise Forbidden(
                "this API key is read-only: it may only read", details={"rule": READ_ONLY_KEY}
            )

    def require_same_user(self, user_id: str | None) -> str:
        """Return the user id to act on: the caller's own unless an admin names another.

        A ``user_id`` supplied by a client that differs from the caller's is refused, so
        nobody reaches another user's data by editing a request body.
        """
        if user_id is None or user_id == self.account.user_id:
            return self.account.user_id
        if self.account.is_admin:
            return user_id
        raise Forbidden("user_id does not match the authenticated user")

    def require_admin(self) -> None:
        """Refuse non-admins."""
        if not self.account.is_admin:
            raise Forbidden("admin role required")
