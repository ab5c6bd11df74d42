"""Common and guessable passwords, judged with zxcvbn's word lists and estimator."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from hybridmem.domain.accounts import password_refused

# zxcvbn refuses longer input (its matching is super-linear); a password longer than
# this is judged on its first 72 characters, which is where any weakness shows first.
_ZXCVBN_MAX_LENGTH = 72
#: Fewer estimated guesses than this is "guessable" (zxcvbn's scores 0 and 1: an online
#: attack at the login throttle's pace gets through within months, not centuries).
MIN_GUESSES_LOG10 = 6.0


@cache
def _common_passwords() -> frozenset[str]:
    # Imported on first use: the lists are ~1 MB of Python literals.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


class ZxcvbnPasswordStrength:
    """``PasswordStrength`` with zxcvbn: its list of the 30,000 most common passwords
    (from leaked password sets) for rule ``common``, and its guess estimate (dictionary
    words, names, keyboard walks, sequences, repeats, dates, l33t, and the user's own
    email and ids) for rule ``guessable``."""

    def check(self, password: str, *, user_inputs: Sequence[str], field: str) -> None:
        """Raise InvalidInput naming the rule a weak password breaks."""
        if password.lower() in _common_passwords():
            raise password_refused(
                "password is one of the 30,000 most common passwords", rule="common", field=field
            )
        from zxcvbn import zxcvbn

        inputs = [part for part in user_inputs if part]
        result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=inputs)
        if float(result["guesses_log10"]) < MIN_GUESSES_LOG10:
            warning = str(result["feedback"].get("warning") or "").strip()
            hint = f" ({warning.rstrip('.')})" if warning else ""
            raise password_refused(
                f"password is too easy to guess{hint}: use a few uncommon words",
                rule="guessable",
                field=field,
            )

    def warm(self) -> None:
        """Load the word lists now (at start-up) rather than in the first signup."""
        _common_passwords()
