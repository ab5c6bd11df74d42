"""PostgreSQL implementations of the account ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from hybridmem.adapters.postgres.database import Database
from hybridmem.adapters.postgres.outbox import enqueue_jobs
from hybridmem.adapters.postgres.throttle import PostgresLoginThrottle
from hybridmem.domain.accounts import (
    AccountIdentity,
    ChatSession,
    Credentials,
    MetadataPatch,
    NewUser,
    ProfileChange,
    User,
    check_merged_metadata,
    normalize_email,
)
from hybridmem.domain.errors import Conflict, NotFound
from hybridmem.domain.jobs import NewJob
from hybridmem.domain.pagination import CursorShape, Page, decode_cursor, encode_cursor

_USER_COLUMNS = (
    "user_id, email, first_name, last_name, about, metadata, is_admin, created_at, updated_at"
)
_SESSION_COLUMNS = "user_id, session_id, metadata, created_at, updated_at, deleted_at"


def _user(row: dict[str, Any]) -> User:
    return User(
        user_id=row["user_id"],
        email=row["email"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        about=row["about"],
        metadata=row["metadata"],
        is_admin=row["is_admin"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _session(row: dict[str, Any]) -> ChatSession:
    return ChatSession(
        user_id=row["user_id"],
        session_id=row["session_id"],
        metadata=row["metadata"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        deleted_at=row["deleted_at"],
    )


#: Users and sessions page by (created_at, id).
_CURSOR: CursorShape = (datetime, str)


def _keyset(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    created, ident = decode_cursor(cursor, *_CURSOR)
    return created, ident


def _duplicate_conflict(exc: pg_errors.UniqueViolation) -> Conflict:
    constraint = exc.diag.constraint_name or ""
    if "email" in constraint:
        return Conflict("email is already registered", details={"field": "email"})
    return Conflict("user_id is already taken", details={"field": "user_id"})


class PostgresUsers:
    """Users in PostgreSQL (see ``UserRepository`` for the contract)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, user: NewUser) -> User:
        """Insert a user; Conflict on a taken id or email."""
        try:
            async with self._db.connection() as conn:
                cursor = await conn.execute(
                    f"""
                    INSERT INTO users (user_id, email, email_normalized, password_hash,
                                       first_name, last_name, about, metadata)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
                    RETURNING {_USER_COLUMNS}
                    """,
                    (
                        user.user_id,
                        user.email,
                        normalize_email(user.email),
                        user.password_hash,
                        user.first_name,
                        user.last_name,
                        user.about,
                        Jsonb(user.metadata),
                    ),
                )
                row = await cursor.fetchone()
        except pg_errors.UniqueViolation as exc:
            raise _duplicate_conflict(exc) from exc
        assert row is not None
        return _user(row)

    async def get(self, user_id: str) -> User:
        """Return one user; NotFound if absent."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = %s", (user_id,)
            )
            row = await cursor.fetchone()
        if row is None:
            raise NotFound("user not found")
        return _user(row)

    async def identity(self, user_id: str) -> AccountIdentity:
        """The account binding and role: a primary-key lookup of a few small columns
        (authentication runs it on every request; the metadata stays on disk)."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT user_id, account_id::text AS account_id, token_generation, is_admin, "
                "first_name, last_name FROM users WHERE user_id = %s",
                (user_id,),
            )
            row = await cursor.fetchone()
        if row is None:
            raise NotFound("user not found")
        return AccountIdentity(**row)

    async def ensure(self, user_id: str) -> None:
        """Insert a login-less user ('!' never verifies as a bcrypt hash) if absent."""
        async with self._db.connection() as conn:
            await conn.execute(
                "INSERT INTO users (user_id, email, email_normalized, password_hash) "
                "VALUES (%s, '', %s, '!') ON CONFLICT DO NOTHING",
                # "user-id:" cannot begin a valid email, so it never collides with one
                (user_id, f"user-id:{user_id}"),
            )

    async def find_credentials(
        self, *, email: str | None, user_id: str | None
    ) -> Credentials | None:
        """Look a user up by normalized email or by id."""
        if email is None and user_id is None:
            return None
        async with self._db.connection() as conn:
            columns = "user_id, password_hash, account_id::text AS account_id, token_generation"
            if email is not None:
                cursor = await conn.execute(
                    f"SELECT {columns} FROM users WHERE email_normalized = %s",
                    (normalize_email(email),),
                )
            else:
                cursor = await conn.execute(
                    f"SELECT {columns} FROM users WHERE user_id = %s", (user_id,)
                )
            row = await cursor.fetchone()
        if row is None:
            return None
        return Credentials(**row)

    async def update(self, user_id: str, change: ProfileChange) -> User:
        """Apply a partial change in one statement; metadata merged atomically. A merged
        metadata object over the cap rolls the whole change back."""
        assignments: list[str] = ["updated_at = clock_timestamp()"]
        params: list[Any] = []
        if change.email is not None:
            assignments += ["email = %s", "email_normalized = %s"]
            params += [change.email, normalize_email(change.email)]
        for column in ("first_name", "last_name", "about"):
            value = getattr(change, column)
            if value is not None:
                assignments.append(f"{column} = %s")
                params.append(value)
        if change.metadata is not None:
            assignments.append("metadata = (metadata - %s::text[]) || %s")
            params += [sorted(change.metadata.remove), Jsonb(dict(change.metadata.set))]
        try:
            async with self._db.transaction() as conn:
                cursor = await conn.execute(
                    f"UPDATE users SET {', '.join(assignments)} WHERE user_id = %s "
                    f"RETURNING {_USER_COLUMNS}",
                    (*params, user_id),
                )
                row = await cursor.fetchone()
                if row is not None and change.metadata is not None:
                    check_merged_metadata(row["metadata"])  # raising rolls back
        except pg_errors.UniqueViolation as exc:
            raise _duplicate_conflict(exc) from exc
        if row is None:
            raise NotFound("user not found")
        return _user(row)

    async def change_password(self, user_id: str, account_id: str, password_hash: str) -> int:
        """Store the new hash and raise the token generation in one statement."""
        return await self._next_generation(
            user_id,
            account_id,
            ", password_hash = %s, updated_at = clock_timestamp()",
            (password_hash,),
        )

    async def revoke_all_tokens(self, user_id: str, account_id: str) -> int:
        """Raise the token generation: every token issued before is refused."""
        return await self._next_generation(user_id, account_id, "", ())

    async def _next_generation(
        self, user_id: str, account_id: str, extra: str, params: tuple[Any, ...]
    ) -> int:
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"UPDATE users SET token_generation = token_generation + 1{extra} "
                "WHERE user_id = %s AND account_id::text = %s RETURNING token_generation",
                (*params, user_id, account_id),
            )
            row = await cursor.fetchone()
        if row is None:
            raise NotFound("user not found")
        return int(row["token_generation"])

    async def set_admin(self, user_id: str, is_admin: bool) -> User:
        """Grant or withdraw the admin role."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"UPDATE users SET is_admin = %s, updated_at = clock_timestamp() "
                f"WHERE user_id = %s RETURNING {_USER_COLUMNS}",
                (is_admin, user_id),
            )
            row = await cursor.fetchone()
        if row is None:
            raise NotFound("user not found")
        return _user(row)

    async def delete(
        self,
        user_id: str,
        *,
        account_id: str | None = None,
        follow_up: Sequence[NewJob] = (),
    ) -> None:
        """Delete the user; foreign keys cascade to everything keyed by the user. Pending
        jobs, revocations and login counters go too; ``follow_up`` jobs are enqueued in
        the same transaction. With ``account_id``, only that account instance."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT 1 FROM users WHERE user_id = %s "
                "AND (%s::text IS NULL OR account_id::text = %s) FOR UPDATE",
                (user_id, account_id, account_id),
            )
            if await cursor.fetchone() is None:
                raise NotFound("user not found")
            await conn.execute("DELETE FROM revoked_tokens WHERE user_id = %s", (user_id,))
            await conn.execute("DELETE FROM login_failures WHERE user_id = %s", (user_id,))
            await conn.execute("DELETE FROM jobs WHERE user_id = %s", (user_id,))
            # One statement for all the messages: the cascade from users goes through
            # sessions and deletes them one session at a time, each a separate run of the
            # term statistics trigger.
            await conn.execute("DELETE FROM messages WHERE user_id = %s", (user_id,))
            await conn.execute("DELETE FROM users WHERE user_id = %s", (user_id,))
            await enqueue_jobs(conn, follow_up)

    async def list(
        self,
        *,
        limit: int,
        cursor: str | None,
        metadata_filter: tuple[str, Any] | None = None,
    ) -> Page[User]:
        """Users ordered by creation time then id."""
        conditions: list[str] = []
        params: list[Any] = []
        after = _keyset(cursor)
        if after is not None:
            conditions.append("(created_at, user_id) > (%s, %s)")
            params += list(after)
        if metadata_filter is not None:
            conditions.append("metadata ->> %s = %s")
            params += [metadata_filter[0], str(metadata_filter[1])]
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        async with self._db.connection() as conn:
            result = await conn.execute(
                f"SELECT {_USER_COLUMNS} FROM users {where} ORDER BY created_at, user_id LIMIT %s",
                (*params, limit + 1),
            )
            rows = await result.fetchall()
        users = [_user(row) for row in rows[:limit]]
        next_cursor = (
            encode_cursor(users[-1].created_at.isoformat(), users[-1].user_id)
            if len(rows) > limit
            else None
        )
        return Page(items=users, next_cursor=next_cursor)


class PostgresSessions:
    """Chat sessions in PostgreSQL (see ``SessionRepository`` for the contract)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def start(
        self, user_id: str, session_id: str, metadata: dict[str, Any]
    ) -> tuple[ChatSession, bool]:
        """Insert, or merge metadata into the existing session and restore it; a merged
        metadata object over the cap rolls back."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"""
                INSERT INTO sessions (user_id, session_id, metadata)
                VALUES (%s, %s, %s)
                ON CONFLICT (user_id, session_id) DO UPDATE
                   SET metadata = sessions.metadata || EXCLUDED.metadata,
                       deleted_at = NULL,
                       updated_at = CASE
                           WHEN sessions.deleted_at IS NULL AND EXCLUDED.metadata = '{{}}'::jsonb
                           THEN sessions.updated_at ELSE clock_timestamp() END
                RETURNING {_SESSION_COLUMNS}, (xmax = 0) AS inserted
                """,
                (user_id, session_id, Jsonb(metadata)),
            )
            row = await cursor.fetchone()
            assert row is not None
            check_merged_metadata(row["metadata"])
        return _session(row), bool(row["inserted"])

    async def get(self, user_id: str, session_id: str) -> ChatSession:
        """Return one live session; NotFound otherwise."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions "
                "WHERE user_id = %s AND session_id = %s AND deleted_at IS NULL",
                (user_id, session_id),
            )
            row = await cursor.fetchone()
        if row is None:
            raise NotFound("session not found")
        return _session(row)

    async def update_metadata(
        self, user_id: str, session_id: str, patch: MetadataPatch
    ) -> ChatSession:
        """Merge a metadata patch atomically; over the cap, nothing changes."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"""
                UPDATE sessions
                   SET metadata = (metadata - %s::text[]) || %s, updated_at = clock_timestamp()
                 WHERE user_id = %s AND session_id = %s AND deleted_at IS NULL
                RETURNING {_SESSION_COLUMNS}
                """,
                (sorted(patch.remove), Jsonb(dict(patch.set)), user_id, session_id),
            )
            row = await cursor.fetchone()
            if row is not None:
                check_merged_metadata(row["metadata"])
        if row is None:
            raise NotFound("session not found")
        return _session(row)

    async def delete(self, user_id: str, session_id: str) -> None:
        """Soft-delete the session and its messages; NotFound if it is not live."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE sessions SET deleted_at = clock_timestamp() "
                "WHERE user_id = %s AND session_id = %s AND deleted_at IS NULL",
                (user_id, session_id),
            )
            if cursor.rowcount == 0:
                raise NotFound("session not found")
            await conn.execute(
                "UPDATE messages SET deleted_at = clock_timestamp() "
                "WHERE user_id = %s AND session_id = %s AND deleted_at IS NULL",
                (user_id, session_id),
            )

    async def list(self, user_id: str, *, limit: int, cursor: str | None) -> Page[ChatSession]:
        """Live sessions of the user, oldest first."""
        after = _keyset(cursor)
        condition = "AND (created_at, session_id) > (%s, %s)" if after else ""
        async with self._db.connection() as conn:
            result = await conn.execute(
                f"SELECT {_SESSION_COLUMNS} FROM sessions "
                f"WHERE user_id = %s AND deleted_at IS NULL {condition} "
                "ORDER BY created_at, session_id LIMIT %s",
                (user_id, *(after or ()), limit + 1),
            )
            rows = await result.fetchall()
        sessions = [_session(row) for row in rows[:limit]]
        next_cursor = (
            encode_cursor(sessions[-1].created_at.isoformat(), sessions[-1].session_id)
            if len(rows) > limit
            else None
        )
        return Page(items=sessions, next_cursor=next_cursor)

    async def purge(self, deleted_before: datetime) -> int:
        """Hard-delete sessions (and messages) soft-deleted before the given time."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM sessions WHERE deleted_at IS NOT NULL AND deleted_at < %s",
                (deleted_before,),
            )
            # messages of sessions that were restored after their deletion
            await conn.execute(
                "DELETE FROM messages WHERE deleted_at IS NOT NULL AND deleted_at < %s",
                (deleted_before,),
            )
        return cursor.rowcount


class PostgresTokenRevocations:
    """Revoked token ids in PostgreSQL, so logout holds across API processes."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def revoke(self, jti: str, user_id: str, expires_at: datetime) -> None:
        """Record the revocation (idempotent)."""
        async with self._db.connection() as conn:
            await conn.execute(
                "INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (jti) DO NOTHING",
                (jti, user_id, expires_at),
            )

    async def is_revoked(self, jti: str) -> bool:
        """Whether the token id is revoked."""
        async with self._db.connection() as conn:
            cursor = await conn.execute("SELECT 1 FROM revoked_tokens WHERE jti = %s", (jti,))
            return await cursor.fetchone() is not None

    async def purge_expired(self, now: datetime) -> int:
        """Drop revocations of expired tokens (they are refused for expiry anyway)."""
        async with self._db.connection() as conn:
            cursor = await conn.execute("DELETE FROM revoked_tokens WHERE expires_at < %s", (now,))
        return cursor.rowcount


__all__ = [
    "PostgresLoginThrottle",
    "PostgresSessions",
    "PostgresTokenRevocations",
    "PostgresUsers",
]
