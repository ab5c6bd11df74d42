"""One error hierarchy for the whole library.

Adapters translate their failures into these; the web service maps each class to
an HTTP status exactly once. Nothing below ``hybridmem.service`` knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class HybridMemError(Exception):
    """Base of every error hybridmem raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] | None = dict(details) if details is not None else None


class InvalidInput(HybridMemError):
    """The caller sent something the rules refuse (beyond schema validation)."""

    code = "invalid_input"


class NotFound(HybridMemError):
    """The thing does not exist, or belongs to someone the caller may not see."""

    code = "not_found"


class Conflict(HybridMemError):
    """The change collides with existing state (duplicate id, email…)."""

    code = "conflict"


class Unauthenticated(HybridMemError):
    """No valid credentials. The message never says which part was wrong."""

    code = "unauthenticated"


class Forbidden(HybridMemError):
    """Authenticated, but not allowed to do this."""

    code = "forbidden"


class RateLimited(HybridMemError):
    """Too many attempts; ``retry_after`` seconds until the next one may pass."""

    code = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class UpstreamError(HybridMemError):
    """A dependency (database, model, memory provider) failed."""

    code = "upstream_error"

    def __init__(
        self,
        message: str,
        *,
        upstream: str,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.upstream = upstream


class UpstreamUnavailable(UpstreamError):
    """The dependency is down, unreachable or timed out."""

    code = "upstream_unavailable"


class UpstreamRateLimited(UpstreamError):
    """The dependency asked us to slow down."""

    code = "upstream_rate_limited"

    def __init__(
        self,
        message: str,
        *,
        upstream: str,
        retry_after: float | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, upstream=upstream, details=details)
        self.retry_after = retry_after


class ContextTooLong(UpstreamError):
    """The model refused the prompt because it exceeds its context window."""

    code = "context_too_long"
