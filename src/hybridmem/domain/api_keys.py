"""API keys: long-lived bearer credentials for programs, shown once and stored hashed.

A key reads ``hm_`` followed by 43 URL-safe characters (32 random bytes). Only the
SHA-256 of the whole key is stored, with a short display prefix so its owner can tell
keys apart. A plain hash is enough here (no bcrypt, no pepper): the secret has 256 bits
of entropy, so nobody can search for a key whose hash a leaked table shows, and a fast
hash keeps the per-request lookup cheap.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from hybridmem.domain.errors import Conflict, InvalidInput

#: Every key starts with this, so the one bearer resolution can tell a key from a JWT
#: (whose first characters are always ``eyJ``) without trying both.
KEY_PREFIX = "hm_"
#: Random bytes in a key (43 characters of URL-safe base64).
KEY_RANDOM_BYTES = 32
_KEY_PATTERN = re.compile(r"hm_[A-Za-z0-9_-]{43}")
#: Characters of the key kept in clear for display: the ``hm_`` and 8 random ones.
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 8
MAX_KEY_NAME_LENGTH = 100
#: Live keys one account may hold; more is refused (a leaked session cannot spray keys).
MAX_KEYS_PER_USER = 50
#: ``last_used_at`` is written at most this often per key (it is a hint, not an audit).
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One stored key (never its secret): who it acts for, and what it may do."""

    key_id: str
    user_id: str
    account_id: str
    name: str
    prefix: str
    read_only: bool
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A key to store: its id, the hash of its secret, and its display prefix."""

    key_id: str
    user_id: str
    account_id: str
    name: str
    prefix: str
    secret_hash: str
    read_only: bool


def looks_like_api_key(credential: str) -> bool:
    """Whether a bearer credential is meant as an API key (it starts with ``hm_``)."""
    return credential.startswith(KEY_PREFIX)


def is_well_formed_key(credential: str) -> bool:
    """Whether the credential has the exact shape of a key (checked before any lookup)."""
    return _KEY_PATTERN.fullmatch(credential) is not None


def key_from_random(random_part: str) -> str:
    """The key for a URL-safe random string of the right length."""
    key = KEY_PREFIX + random_part
    if not is_well_formed_key(key):
        raise ValueError("the random part of a key must be 43 URL-safe characters")
    return key


def hash_key(key: str) -> str:
    """The hex SHA-256 of a key: what is stored, and what a lookup searches by."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def display_prefix(key: str) -> str:
    """The part of a key shown in lists (``hm_`` and 8 characters: 48 bits, not a secret)."""
    return key[:DISPLAY_PREFIX_LENGTH]


def validate_key_name(name: str) -> str:
    """A key's name, stripped: 1-100 characters, no control characters."""
    stripped = name.strip()
    if not stripped or len(stripped) > MAX_KEY_NAME_LENGTH:
        raise InvalidInput(
            f"a key name has 1-{MAX_KEY_NAME_LENGTH} characters", details={"field": "name"}
        )
    if any(_unprintable(char) for char in stripped):
        raise InvalidInput(
            "a key name may not hold control characters or lone surrogates",
            details={"field": "name"},
        )
    return stripped


def _unprintable(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code <= 0xDFFF


def use_is_worth_recording(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` should be written (at most once per resolution)."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


def too_many_keys(max_keys: int) -> Conflict:
    """The refusal of a key past the per-account limit (``details.rule`` too_many_keys)."""
    return Conflict(
        f"an account holds at most {max_keys} API keys; revoke one first",
        details={"rule": "too_many_keys", "max_keys": max_keys},
    )
