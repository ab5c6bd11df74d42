"""The zxcvbn adapter of PasswordStrength: the rules it names and the inputs it copes with."""

from __future__ import annotations

import pytest

from hybridmem.adapters.security.strength import ZxcvbnPasswordStrength
from hybridmem.domain.errors import InvalidInput

STRENGTH = ZxcvbnPasswordStrength()


@pytest.mark.parametrize(
    ("password", "rule"),
    [("password1", "common"), ("PASSWORD1", "common"), ("Jennifer1990", "guessable")],
)
def test_weak_passwords_are_refused_naming_the_rule(password, rule):
    with pytest.raises(InvalidInput) as refused:
        STRENGTH.check(password, user_inputs=[], field="new_password")
    assert refused.value.details == {"field": "new_password", "rule": rule}


def test_passwords_built_from_the_users_own_words_are_guessable():
    words = ["ada.lovelace@example.com", "ada.lovelace", "user123"]
    with pytest.raises(InvalidInput):
        STRENGTH.check("ada.lovelace!", user_inputs=words, field="password")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "q" * 5 + "-Zr8#vLm2!pT" * 20, "🧠 ünïcode pässwörd ✓"],
)
def test_strong_or_long_passwords_pass(password):
    STRENGTH.check(password, user_inputs=["someone@example.com"], field="password")
