"""API keys in PostgreSQL (see ``ApiKeyRepository`` for the contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import errors as pg_errors

from hybridmem.adapters.postgres.database import Database
from hybridmem.domain.accounts import AccountIdentity
from hybridmem.domain.api_keys import ApiKey, NewApiKey, too_many_keys
from hybridmem.domain.errors import Conflict, NotFound

_KEY_COLUMNS = (
    "k.key_id, k.user_id, k.account_id::text AS account_id, k.name, k.prefix, k.read_only, "
    "k.created_at, k.last_used_at"
)


def _key(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=row["key_id"],
        user_id=row["user_id"],
        account_id=row["account_id"],
        name=row["name"],
        prefix=row["prefix"],
        read_only=row["read_only"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )


class PostgresApiKeys:
    """API keys in the ``api_keys`` table, found by the SHA-256 of their secret."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, key: NewApiKey, *, max_keys: int) -> ApiKey:
        """Insert a key of the account instance; the user's row is locked while the
        keys are counted, so racing adds cannot pass the limit."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT 1 FROM users WHERE user_id = %s AND account_id::text = %s FOR UPDATE",
                (key.user_id, key.account_id),
            )
            if await cursor.fetchone() is None:
                raise NotFound("user not found")
            cursor = await conn.execute(
                "SELECT count(*) AS n FROM api_keys WHERE user_id = %s", (key.user_id,)
            )
            counted = await cursor.fetchone()
            if counted is not None and counted["n"] >= max_keys:
                raise too_many_keys(max_keys)
            try:
                cursor = await conn.execute(
                    f"""
                    INSERT INTO api_keys AS k (key_id, user_id, account_id, name, prefix,
                                               secret_hash, read_only)
                    VALUES (%s, %s, %s::uuid, %s, %s, %s, %s)
                    RETURNING {_KEY_COLUMNS}
                    """,
                    (
                        key.key_id,
                        key.user_id,
                        key.account_id,
                        key.name,
                        key.prefix,
                        key.secret_hash,
                        key.read_only,
                    ),
                )
            except pg_errors.UniqueViolation as exc:
                raise Conflict("this API key exists already") from exc
            row = await cursor.fetchone()
        assert row is not None
        return _key(row)

    async def list(self, user_id: str) -> list[ApiKey]:
        """The user's keys, oldest first."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys k WHERE k.user_id = %s "
                "ORDER BY k.created_at, k.key_id",
                (user_id,),
            )
            rows = await cursor.fetchall()
        return [_key(row) for row in rows]

    async def find(self, secret_hash: str) -> tuple[ApiKey, AccountIdentity] | None:
        """One unique-index lookup joined to the user's row of the same account instance."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"""
                SELECT {_KEY_COLUMNS}, u.token_generation, u.is_admin, u.first_name,
                       u.last_name
                  FROM api_keys k
                  JOIN users u ON u.user_id = k.user_id AND u.account_id = k.account_id
                 WHERE k.secret_hash = %s
                """,
                (secret_hash,),
            )
            row = await cursor.fetchone()
        if row is None:
            return None
        identity = AccountIdentity(
            user_id=row["user_id"],
            account_id=row["account_id"],
            token_generation=row["token_generation"],
            is_admin=row["is_admin"],
            first_name=row["first_name"],
            last_name=row["last_name"],
        )
        return _key(row), identity

    async def revoke(self, user_id: str, key_id: str) -> None:
        """Delete the user's key; NotFound if there is none of that id."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM api_keys WHERE user_id = %s AND key_id = %s", (user_id, key_id)
            )
            if cursor.rowcount == 0:
                raise NotFound("API key not found")

    async def record_use(self, key_id: str, used_at: datetime, *, not_before: datetime) -> None:
        """Set ``last_used_at`` unless a use at or after ``not_before`` is recorded."""
        async with self._db.connection() as conn:
            await conn.execute(
                "UPDATE api_keys SET last_used_at = %s WHERE key_id = %s "
                "AND (last_used_at IS NULL OR last_used_at < %s)",
                (used_at, key_id, not_before),
            )
