"""JWT access tokens with a pinned algorithm and the claims the service relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from hybridmem.domain.errors import Unauthenticated
from hybridmem.ports.security import IssuedToken, TokenClaims
from hybridmem.ports.system import Clock, Ids

# "acc" (the account instance) and "gen" (its token generation) bind a token to one
# account: a re-created account with the same user id has another "acc", and revoking
# every token of an account raises its generation.
_REQUIRED_CLAIMS = ["sub", "iat", "nbf", "exp", "jti", "iss", "aud", "acc", "gen"]
_INVALID = "invalid or expired token"


class JwtAccessTokens:
    """HMAC-signed JWTs. The algorithm list passed to decode holds only the pinned one,
    which rules out ``alg: none`` and algorithm-confusion tokens."""

    def __init__(
        self,
        *,
        secret_key: str,
        algorithm: str,
        issuer: str,
        audience: str,
        ttl: timedelta,
        clock: Clock,
        ids: Ids,
        leeway: timedelta = timedelta(seconds=5),
    ) -> None:
        self._key = secret_key
        self._algorithm = algorithm
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        self._clock = clock
        self._ids = ids
        self._leeway = leeway

    def issue(self, subject: str, *, account_id: str, generation: int) -> IssuedToken:
        """Sign a token for the subject's account, valid for the configured time."""
        now = self._clock.now().replace(microsecond=0)
        expires_at = now + self._ttl
        jti = self._ids.new_id()
        token = jwt.encode(
            {
                "sub": subject,
                "iat": int(now.timestamp()),
                "nbf": int(now.timestamp()),
                "exp": int(expires_at.timestamp()),
                "jti": jti,
                "iss": self._issuer,
                "aud": self._audience,
                "acc": account_id,
                "gen": generation,
            },
            self._key,
            algorithm=self._algorithm,
        )
        return IssuedToken(
            token=token,
            jti=jti,
            expires_at=expires_at,
            expires_in=int(self._ttl.total_seconds()),
        )

    def verify(self, token: str) -> TokenClaims:
        """Verify signature, algorithm, issuer, audience and times."""
        now = self._clock.now()
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={
                    "require": _REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            # Times are checked against our clock (not PyJWT's), so tests can move time.
            issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
            not_before = datetime.fromtimestamp(int(claims["nbf"]), UTC)
        except (jwt.PyJWTError, TypeError, ValueError, OverflowError) as exc:
            raise Unauthenticated(_INVALID) from exc
        if now >= expires_at + self._leeway or now + self._leeway < max(issued_at, not_before):
            raise Unauthenticated(_INVALID)
        subject, jti, account_id, generation = (
            claims["sub"],
            claims["jti"],
            claims["acc"],
            claims["gen"],
        )
        if not all(isinstance(value, str) and value for value in (subject, jti, account_id)):
            raise Unauthenticated(_INVALID)
        # bool is an int in Python; a generation is a plain non-negative integer
        if type(generation) is not int or generation < 0:
            raise Unauthenticated(_INVALID)
        return TokenClaims(
            subject=subject,
            jti=jti,
            issued_at=issued_at,
            expires_at=expires_at,
            account_id=account_id,
            generation=generation,
        )
