"""Users and chat sessions, and the rules that govern them."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hybridmem.domain.errors import InvalidInput

#: Ids are chosen by clients ("user123", an email-like handle, a UUID…). The
#: alphabet is kept URL- and log-safe so an id can sit in a path segment as is.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$")
ID_RULE = "1-128 characters: letters, digits and . _ : @ + -, starting with a letter or digit"

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
#: Cap on a user's or a session's metadata, measured on the merged result of every
#: change (as compact-enough JSON text: ``json.dumps`` with non-ASCII kept as UTF-8).
MAX_METADATA_BYTES = 16_384

JsonObject = dict[str, Any]


def validate_id(value: str, *, kind: str) -> str:
    """Return ``value`` when it is a valid client-chosen id, else raise InvalidInput."""
    if not ID_PATTERN.fullmatch(value):
        raise InvalidInput(f"invalid {kind}: {ID_RULE}", details={"field": kind})
    return value


def password_refused(message: str, *, rule: str, field: str = "password") -> InvalidInput:
    """The error for a password that breaks a rule; ``details.rule`` names the rule."""
    return InvalidInput(message, details={"field": field, "rule": rule})


def check_password_policy(password: str, *, field: str = "password") -> None:
    """Refuse passwords that are too short, too long, or of fewer than three characters.

    The rules that need a word list (common, guessable) are a port: ``PasswordStrength``.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise password_refused(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            rule="min_length",
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise password_refused(
            f"password must have at most {MAX_PASSWORD_LENGTH} characters",
            rule="max_length",
            field=field,
        )
    if len(set(password)) < 3:
        raise password_refused(
            "password is too simple: use at least three different characters",
            rule="distinct_characters",
            field=field,
        )


def metadata_size(metadata: Mapping[str, Any]) -> int:
    """Bytes of the metadata as JSON text, the measure of ``MAX_METADATA_BYTES``."""
    return len(json.dumps(metadata, ensure_ascii=False).encode())


def check_merged_metadata(metadata: Mapping[str, Any]) -> None:
    """Refuse metadata whose merged result is over the cap, so patches cannot grow it
    without bound (each patch may be small; the stored object is what counts)."""
    size = metadata_size(metadata)
    if size > MAX_METADATA_BYTES:
        raise InvalidInput(
            f"metadata would grow to {size} bytes; at most {MAX_METADATA_BYTES} are kept "
            "(remove keys by setting them to null)",
            details={"field": "metadata", "rule": "max_bytes", "limit": MAX_METADATA_BYTES},
        )


@dataclass(frozen=True, slots=True)
class MetadataPatch:
    """A metadata change split into keys to set and keys to remove.

    Zep's semantics: a patch is merged into the stored object at the top level, and a
    key whose value is ``null`` is removed.
    """

    set: Mapping[str, Any]
    remove: frozenset[str]

    @classmethod
    def from_request(cls, patch: Mapping[str, Any]) -> MetadataPatch:
        """Split a client's patch: ``None`` values mean 'remove this key'."""
        return cls(
            set={key: value for key, value in patch.items() if value is not None},
            remove=frozenset(key for key, value in patch.items() if value is None),
        )

    def apply(self, metadata: Mapping[str, Any]) -> JsonObject:
        """Return the merged metadata; ``metadata`` is left untouched."""
        merged = {key: value for key, value in metadata.items() if key not in self.remove}
        merged.update(self.set)
        return merged


@dataclass(frozen=True, slots=True)
class User:
    """An account. ``user_id`` is the stable id every memory store is keyed by."""

    user_id: str
    email: str
    first_name: str | None
    last_name: str | None
    about: str | None
    metadata: JsonObject
    is_admin: bool
    created_at: datetime
    updated_at: datetime

    @property
    def display_name(self) -> str | None:
        """The user's real name when known (for message attribution)."""
        parts = [part for part in (self.first_name, self.last_name) if part]
        return " ".join(parts) if parts else None


@dataclass(frozen=True, slots=True)
class NewUser:
    """What signup stores: the profile plus the password hash (never the password)."""

    user_id: str
    email: str
    password_hash: str
    first_name: str | None = None
    last_name: str | None = None
    about: str | None = None
    metadata: JsonObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """A partial profile update; ``None`` fields are left as they are."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    about: str | None = None
    metadata: MetadataPatch | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    """What login needs to check a password and bind a token to the account."""

    user_id: str
    password_hash: str
    account_id: str
    token_generation: int


@dataclass(frozen=True, slots=True)
class AccountIdentity:
    """What authentication needs of an account on every request (never the metadata).

    ``account_id`` is random and new at every signup, also when a ``user_id`` is reused,
    so a token of a deleted account never fits the next account with that id.
    ``token_generation`` grows when every token of the account is revoked at once
    (password change, log out everywhere); tokens carry the generation they were issued
    in and older ones are refused.
    """

    user_id: str
    account_id: str
    token_generation: int
    is_admin: bool
    first_name: str | None = None
    last_name: str | None = None

    @property
    def display_name(self) -> str | None:
        """The user's real name when known (for message attribution)."""
        parts = [part for part in (self.first_name, self.last_name) if part]
        return " ".join(parts) if parts else None


@dataclass(frozen=True, slots=True)
class LoginSubject:
    """Whose failed logins are counted: one account (whatever identifier named it), or
    an identifier that names no account. ``user_id`` is set for accounts, so the
    counter is deleted with the account."""

    key: str
    user_id: str | None = None

    @classmethod
    def for_account(cls, credentials: Credentials) -> LoginSubject:
        """The budget of one account instance, shared by email, user id and form logins."""
        return cls(key=f"account:{credentials.account_id}", user_id=credentials.user_id)

    @classmethod
    def for_identifier(cls, *, email: str | None, user_id: str | None) -> LoginSubject:
        """The budget of an identifier that names no account."""
        if email is not None:
            return cls(key=f"email:{normalize_email(email)}")
        return cls(key=f"id:{user_id}")


@dataclass(frozen=True, slots=True)
class ChatSession:
    """A conversation thread of one user (Zep's session / thread)."""

    user_id: str
    session_id: str
    metadata: JsonObject
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @property
    def is_deleted(self) -> bool:
        """Soft-deleted sessions are hidden until a new message restores them."""
        return self.deleted_at is not None


def normalize_email(email: str) -> str:
    """The form emails are compared in: NFKC-normalized, trimmed and lower-cased.

    NFKC folds compatibility look-alikes (fullwidth ``ａｌｉｃｅ``, ligatures such as
    ``ﬁ``) onto the plain letters, so they cannot register a second account.
    """
    return unicodedata.normalize("NFKC", email).strip().lower()
