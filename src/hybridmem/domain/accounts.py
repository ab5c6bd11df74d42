"""Users and chat sessions, and the rules that govern them."""

from __future__ import annotations

import re
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

JsonObject = dict[str, Any]


def validate_id(value: str, *, kind: str) -> str:
    """Return ``value`` when it is a valid client-chosen id, else raise InvalidInput."""
    if not ID_PATTERN.fullmatch(value):
        raise InvalidInput(f"invalid {kind}: {ID_RULE}", details={"field": kind})
    return value


def check_password_policy(password: str) -> None:
    """Refuse passwords that are too short, too long, or a single repeated character."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            details={"field": "password"},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at most {MAX_PASSWORD_LENGTH} characters",
            details={"field": "password"},
        )
    if len(set(password)) < 3:
        raise InvalidInput(
            "password is too simple: use at least three different characters",
            details={"field": "password"},
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
    """What login needs to check a password."""

    user_id: str
    password_hash: str


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
    """The form emails are compared in: trimmed and lower-cased."""
    return email.strip().lower()
