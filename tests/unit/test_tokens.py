"""JWT adapter: claims, pinning and time checks against an injected clock."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from hybridmem.adapters.security.tokens import JwtAccessTokens
from hybridmem.domain.errors import Unauthenticated
from tests.support.fakes import FrozenClock, SequentialIds

KEY = "unit-test-key-" + "q" * 60
ACCOUNT = "9b2f4c1e-0000-4000-8000-000000000001"


def make(clock: FrozenClock, **overrides) -> JwtAccessTokens:
    options = {
        "secret_key": KEY,
        "algorithm": "HS256",
        "issuer": "hybridmem",
        "audience": "hybridmem-api",
        "ttl": timedelta(minutes=10),
        "clock": clock,
        "ids": SequentialIds(),
    }
    options.update(overrides)
    return JwtAccessTokens(**options)


def test_issue_then_verify_round_trip():
    clock = FrozenClock()
    tokens = make(clock)
    issued = tokens.issue("user123", account_id=ACCOUNT, generation=3)
    claims = tokens.verify(issued.token)
    assert claims.subject == "user123"
    assert claims.jti == issued.jti
    assert claims.expires_at == issued.expires_at
    assert (claims.account_id, claims.generation) == (ACCOUNT, 3)
    assert issued.expires_in == 600


def test_expiry_uses_the_injected_clock():
    clock = FrozenClock()
    tokens = make(clock)
    token = tokens.issue("u", account_id=ACCOUNT, generation=0).token
    clock.advance(minutes=9)
    tokens.verify(token)
    clock.advance(minutes=2)
    with pytest.raises(Unauthenticated):
        tokens.verify(token)


@pytest.mark.parametrize("missing", ["sub", "jti", "exp", "iat", "nbf", "iss", "aud", "acc", "gen"])
def test_every_required_claim_is_required(missing):
    clock = FrozenClock()
    tokens = make(clock)
    claims = jwt.decode(
        tokens.issue("u", account_id=ACCOUNT, generation=0).token,
        options={"verify_signature": False},
    )
    del claims[missing]
    with pytest.raises(Unauthenticated):
        tokens.verify(jwt.encode(claims, KEY, algorithm="HS256"))


def test_a_token_of_another_algorithm_setting_is_refused():
    clock = FrozenClock()
    issued = make(clock, algorithm="HS512").issue("u", account_id=ACCOUNT, generation=0).token
    with pytest.raises(Unauthenticated):
        make(clock).verify(issued)


@pytest.mark.parametrize("subject", ["", 42, None])
def test_bad_subjects_are_refused(subject):
    clock = FrozenClock()
    tokens = make(clock)
    claims = jwt.decode(
        tokens.issue("u", account_id=ACCOUNT, generation=0).token,
        options={"verify_signature": False},
    )
    claims["sub"] = subject
    forged = jwt.encode(claims, KEY, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        tokens.verify(forged)


@pytest.mark.parametrize(
    ("claim", "value"),
    [("acc", ""), ("acc", 7), ("gen", -1), ("gen", "0"), ("gen", True), ("gen", 1.5)],
)
def test_malformed_account_binding_is_refused(claim, value):
    clock = FrozenClock()
    tokens = make(clock)
    claims = jwt.decode(
        tokens.issue("u", account_id=ACCOUNT, generation=0).token,
        options={"verify_signature": False},
    )
    claims[claim] = value
    with pytest.raises(Unauthenticated):
        tokens.verify(jwt.encode(claims, KEY, algorithm="HS256"))


def test_a_token_used_before_its_nbf_is_refused():
    clock = FrozenClock()
    tokens = make(clock)
    claims = jwt.decode(
        tokens.issue("u", account_id=ACCOUNT, generation=0).token,
        options={"verify_signature": False},
    )
    claims["nbf"] = claims["iat"] + 120
    with pytest.raises(Unauthenticated):
        tokens.verify(jwt.encode(claims, KEY, algorithm="HS256"))
