"""Provider id links in PostgreSQL."""

from __future__ import annotations

from hybridmem.adapters.postgres.database import Database


class PostgresProviderLinks:
    """``ProviderLinks`` on PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, provider: str, kind: str, user_id: str, local_id: str) -> str | None:
        """The provider's id, if known."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT remote_id FROM provider_links WHERE provider = %s AND kind = %s "
                "AND user_id = %s AND local_id = %s",
                (provider, kind, user_id, local_id),
            )
            row = await cursor.fetchone()
        return str(row["remote_id"]) if row else None

    async def put(
        self, provider: str, kind: str, user_id: str, local_id: str, remote_id: str
    ) -> None:
        """Insert or overwrite the link."""
        async with self._db.connection() as conn:
            await conn.execute(
                "INSERT INTO provider_links (provider, kind, user_id, local_id, remote_id) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (provider, kind, user_id, local_id) "
                "DO UPDATE SET remote_id = EXCLUDED.remote_id",
                (provider, kind, user_id, local_id, remote_id),
            )

    async def forget_user(self, provider: str, user_id: str) -> None:
        """Drop the user's links at one provider."""
        async with self._db.connection() as conn:
            await conn.execute(
                "DELETE FROM provider_links WHERE provider = %s AND user_id = %s",
                (provider, user_id),
            )
