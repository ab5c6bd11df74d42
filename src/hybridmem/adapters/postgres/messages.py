"""Messages in PostgreSQL: the system of record for chat history."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from hybridmem.adapters.postgres.database import Connection, Database
from hybridmem.adapters.postgres.outbox import enqueue_jobs
from hybridmem.adapters.postgres.vectors import MIN_SIMILARITY, VectorColumn
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import NewJob
from hybridmem.domain.messages import Message, NewMessage, Role
from hybridmem.domain.pagination import CursorShape, Page, decode_cursor, encode_cursor
from hybridmem.domain.retrieval import ScoredMessage
from hybridmem.ports.embeddings import Embedder

_COLUMNS = (
    "message_id, user_id, session_id, role, content, name, occurred_at, created_at, metadata, seq"
)


# Messages ranked by idf; each query word brings at most its _TERM_POOL most recent
# matches, meaning brings _SEARCH_POOL. Queries are built with 'simple' from lexemes
# already stemmed (stemming twice misses "coffee").
_SEARCH_POOL = 500
_TERM_POOL = 200
#: Messages page by their sequence number.
_CURSOR: CursorShape = (int,)
# A matched rare word adds its idf (about 2–6 in a conversation); a meaning match adds
# this times the cosine similarity (0.25–0.6 for related texts), so either can lead.
_SEMANTIC_WEIGHT = 8.0
# A word in more than half of a long history (a speaker's name, indexed with each of
# their messages; the other person's name in greetings) tells no message from another,
# and would pull its _TERM_POOL matches into every search: it is not searched for. A
# short history keeps every word, or a question could find nothing at all.
COMMON_TERM_SHARE = 0.5
COMMON_TERM_MIN_MESSAGES = 20


def _message(row: dict[str, Any]) -> Message:
    return Message(
        message_id=row["message_id"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        role=Role(row["role"]),
        content=row["content"],
        name=row["name"],
        occurred_at=row["occurred_at"],
        created_at=row["created_at"],
        metadata=row["metadata"],
    )


async def _ensure_live_session(conn: Connection, user_id: str, session_id: str) -> None:
    # A message to a soft-deleted session restores the session; its deleted messages stay
    # deleted because they carry their own deleted_at.
    await conn.execute(
        """
        INSERT INTO sessions (user_id, session_id) VALUES (%s, %s)
        ON CONFLICT (user_id, session_id) DO UPDATE
           SET deleted_at = NULL,
               updated_at = CASE WHEN sessions.deleted_at IS NULL THEN sessions.updated_at
                                 ELSE clock_timestamp() END
         WHERE sessions.deleted_at IS NOT NULL
        """,
        (user_id, session_id),
    )


class PostgresMessages:
    """``ChatHistory``, ``MessageJournal``, ``MessageLookup`` and ``MessageContext`` over
    the messages table;
    with an embedder and pgvector, messages are also found by meaning."""

    def __init__(self, database: Database, embedder: Embedder | None = None) -> None:
        self._db = database
        self._vectors = VectorColumn(database, embedder, "messages", required=False)

    async def index(self, user_id: str, messages: Sequence[tuple[str, str]]) -> None:
        """Store the embeddings of ``(message_id, text)`` pairs (a background job's work:
        embedding costs milliseconds of CPU per message)."""
        if not messages or not await self._vectors.ready():
            return
        # jobs of several users run at once: their messages share one forward pass
        vectors = await self._vectors.embed([text for _, text in messages], batched=True)
        async with self._db.connection() as conn:
            # one statement: the term statistics trigger runs per statement
            await conn.execute(
                "UPDATE messages AS m SET embedding = v.embedding::vector "
                "FROM unnest(%s::text[], %s::text[]) AS v(message_id, embedding) "
                "WHERE m.user_id = %s AND m.message_id = v.message_id",
                ([message_id for message_id, _ in messages], vectors, user_id),
            )

    async def record(
        self,
        user_id: str,
        session_id: str,
        messages: Sequence[NewMessage],
        jobs: Sequence[NewJob],
    ) -> list[Message]:
        """Store messages and enqueue jobs atomically (both idempotent)."""
        try:
            async with self._db.transaction() as conn:
                await _ensure_live_session(conn, user_id, session_id)
                # One statement for the batch, in the given order (seq follows it): the
                # term statistics trigger then runs once per batch, not once per message.
                cursor = await conn.execute(
                    f"""
                    INSERT INTO messages (user_id, session_id, message_id, role, name,
                                          content, metadata, occurred_at)
                    SELECT %s, %s, m.message_id, m.role, m.name, m.content, m.metadata,
                           COALESCE(m.occurred_at, clock_timestamp())
                      FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[],
                                  %s::jsonb[], %s::timestamptz[])
                           WITH ORDINALITY
                           AS m(message_id, role, name, content, metadata, occurred_at, ord)
                     ORDER BY m.ord
                    ON CONFLICT (user_id, message_id) DO NOTHING
                    RETURNING {_COLUMNS}
                    """,
                    (
                        user_id,
                        session_id,
                        [m.message_id for m in messages],
                        [m.role.value for m in messages],
                        [m.name for m in messages],
                        [m.content for m in messages],
                        [Jsonb(m.metadata) for m in messages],
                        [m.occurred_at for m in messages],
                    ),
                )
                stored: dict[str, dict[str, Any]] = {
                    row["message_id"]: row for row in await cursor.fetchall()
                }
                await enqueue_jobs(conn, jobs)
                repeated = [m.message_id for m in messages if m.message_id not in stored]
                if repeated:  # a retry: return what was stored the first time
                    cursor = await conn.execute(
                        f"SELECT {_COLUMNS} FROM messages WHERE user_id = %s "
                        "AND message_id = ANY(%s)",
                        (user_id, repeated),
                    )
                    stored.update({row["message_id"]: row for row in await cursor.fetchall()})
                rows = sorted(stored.values(), key=lambda row: row["seq"])
        except pg_errors.ForeignKeyViolation as exc:
            raise NotFound("user not found") from exc
        except psycopg.DataError as exc:
            # NUL in jsonb (UntranslatableCharacter) or in text (refused by psycopg itself)
            raise InvalidInput("text contains characters PostgreSQL cannot store") from exc
        return [_message(row) for row in rows]

    async def append(
        self, user_id: str, session_id: str, messages: Sequence[NewMessage]
    ) -> list[Message]:
        """Store messages (no jobs)."""
        return await self.record(user_id, session_id, messages, ())

    async def list(
        self, user_id: str, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[Message]:
        """Live messages of the session, oldest first."""
        (after,) = decode_cursor(cursor, *_CURSOR) if cursor else (0,)
        async with self._db.connection() as conn:
            result = await conn.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE user_id = %s AND session_id = %s "
                "AND deleted_at IS NULL AND seq > %s ORDER BY seq LIMIT %s",
                (user_id, session_id, after, limit + 1),
            )
            rows = await result.fetchall()
        next_cursor = encode_cursor(rows[limit - 1]["seq"]) if len(rows) > limit else None
        return Page(items=[_message(row) for row in rows[:limit]], next_cursor=next_cursor)

    async def get(self, user_id: str, message_id: str) -> Message:
        """One live message of the user (``MessageLookup``); NotFound otherwise."""
        async with self._db.connection() as conn:
            result = await conn.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE user_id = %s AND message_id = %s "
                "AND deleted_at IS NULL",
                (user_id, message_id),
            )
            row = await result.fetchone()
        if row is None:
            raise NotFound("message not found")
        return _message(row)

    async def recent(self, user_id: str, session_id: str, limit: int) -> Sequence[Message]:
        """The last ``limit`` live messages, oldest first."""
        async with self._db.connection() as conn:
            result = await conn.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE user_id = %s AND session_id = %s "
                "AND deleted_at IS NULL ORDER BY seq DESC LIMIT %s",
                (user_id, session_id, limit),
            )
            rows = await result.fetchall()
        return [_message(row) for row in reversed(rows)]

    async def around(
        self, user_id: str, message_ids: Sequence[str], *, before: int, after: int
    ) -> dict[str, Sequence[Message]]:
        """Each live message's window of its session (``MessageContext``): one query,
        two index range reads per message."""
        if not message_ids:
            return {}
        columns = ", ".join("m." + c.strip() for c in _COLUMNS.split(","))
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"""
                WITH hits AS (
                    SELECT message_id, session_id, seq FROM messages
                     WHERE user_id = %(user_id)s AND message_id = ANY(%(ids)s)
                       AND deleted_at IS NULL
                )
                SELECT h.message_id AS hit, w.*
                  FROM hits AS h
                 CROSS JOIN LATERAL (
                    (SELECT {columns} FROM messages AS m
                      WHERE m.user_id = %(user_id)s AND m.session_id = h.session_id
                        AND m.deleted_at IS NULL AND m.seq < h.seq
                      ORDER BY m.seq DESC LIMIT %(before)s)
                    UNION ALL
                    (SELECT {columns} FROM messages AS m
                      WHERE m.user_id = %(user_id)s AND m.session_id = h.session_id
                        AND m.deleted_at IS NULL AND m.seq >= h.seq
                      ORDER BY m.seq LIMIT %(after)s + 1)
                 ) AS w
                 ORDER BY h.message_id, w.seq
                """,
                {"user_id": user_id, "ids": list(message_ids), "before": before, "after": after},
            )
            rows = await cursor.fetchall()
        windows: dict[str, tuple[Message, ...]] = {}
        for row in rows:
            windows[row["hit"]] = (*windows.get(row["hit"], ()), _message(row))
        return dict(windows)

    async def search(
        self, user_id: str, query: str, *, limit: int, session_id: str | None = None
    ) -> Sequence[ScoredMessage]:
        """Messages containing the question's words, ranked by how rare those words are in
        the user's history (BM25's idf), then by cover density.

        ``ts_rank_cd`` alone weighs every word alike, so a name that appears in half the
        conversation counts as much as "support group". Document frequencies come from the
        per-user term statistics (migration 0009), and each word contributes at most its
        ``_TERM_POOL`` most recent matches, so the cost follows the number of query words,
        not the length of the history.
        """
        vector: str | None = None
        if await self._vectors.ready():
            [vector] = await self._vectors.embed([query])
        async with self._db.connection() as conn:
            weights = await _term_weights(conn, user_id, query)
            if not weights and vector is None:
                return []
            sql, params = _search_sql(weights, session_id=session_id, semantic=vector is not None)
            params.update(
                {
                    "user_id": user_id,
                    "session_id": session_id,
                    "limit": limit,
                    "term_pool": max(limit, _TERM_POOL),
                    "pool": max(limit, _SEARCH_POOL),
                    "vector": vector,
                    "max_distance": 1 - MIN_SIMILARITY,
                    "terms": [term for term, _ in weights],
                    "idfs": [idf for _, idf in weights],
                }
            )
            cursor = await conn.execute(sql, params)
            rows = await cursor.fetchall()
        return [
            ScoredMessage(message=_message(row), score=round(float(row["score"]), 6))
            for row in rows
        ]


async def _term_weights(conn: Connection, user_id: str, query: str) -> list[tuple[str, float]]:
    """The query's stemmed words that occur in the user's live messages (and not in most
    of a long history), rarest first, each with its BM25 idf over the user's history."""
    cursor = await conn.execute(
        """
        SELECT t.term, t.doc_count::float8 AS df, n.doc_count::float8 AS n
          FROM message_totals AS n
          JOIN message_terms AS t ON t.user_id = n.user_id
         WHERE n.user_id = %s
           AND t.term = ANY(tsvector_to_array(to_tsvector('english', %s)))
           AND t.doc_count > 0
         ORDER BY t.doc_count, t.term
        """,
        (user_id, query),
    )
    return [
        (row["term"], math.log(1 + (row["n"] - row["df"] + 0.5) / (row["df"] + 0.5)))
        for row in await cursor.fetchall()
        if row["n"] < COMMON_TERM_MIN_MESSAGES or row["df"] <= COMMON_TERM_SHARE * row["n"]
    ]


def _search_sql(
    weights: Sequence[tuple[str, float]], *, session_id: str | None, semantic: bool
) -> tuple[str, dict[str, Any]]:
    """One candidate subquery per word (planned with its own value, so a rare word uses
    the GIN index and a common one walks the recency index and stops early), plus the
    nearest messages by meaning; the bounded pool is then scored."""
    session_sql = "AND m.session_id = %(session_id)s" if session_id is not None else ""
    params: dict[str, Any] = {}
    pools = []
    for position, (term, _) in enumerate(weights):
        params[f"t{position}"] = term
        pools.append(
            f"""(SELECT m.message_id FROM messages AS m
                  WHERE m.user_id = %(user_id)s AND m.deleted_at IS NULL {session_sql}
                    AND m.search @@ to_tsquery('simple', quote_literal(%(t{position})s))
                  ORDER BY m.seq DESC LIMIT %(term_pool)s)"""
        )
    if semantic:
        pools.append(
            f"""(SELECT m.message_id FROM messages AS m
                  WHERE m.user_id = %(user_id)s AND m.deleted_at IS NULL
                    AND m.embedding IS NOT NULL {session_sql}
                    AND m.embedding <=> %(vector)s::vector <= %(max_distance)s
                  ORDER BY m.embedding <=> %(vector)s::vector
                  LIMIT %(pool)s)"""
        )
    similarity = (
        f"+ {_SEMANTIC_WEIGHT} * greatest(0, 1 - coalesce(m.embedding <=> %(vector)s::vector, 1))"
        if semantic
        else ""
    )
    columns = ", ".join("m." + c.strip() for c in _COLUMNS.split(","))
    sql = f"""
        WITH w AS (
            SELECT to_tsquery('simple', quote_literal(term)) AS q, idf
              FROM unnest(%(terms)s::text[], %(idfs)s::float8[]) AS x (term, idf)
        ),
        q AS (
            SELECT to_tsquery('simple', string_agg(quote_literal(term), ' | ')) AS query
              FROM unnest(%(terms)s::text[]) AS term
        ),
        candidates AS ({" UNION ".join(pools)})
        SELECT {columns},
               coalesce((SELECT sum(w.idf) FROM w WHERE m.search @@ w.q), 0)
               + coalesce(ts_rank_cd(m.search, q.query, 32), 0) {similarity} AS score
          FROM candidates AS c
          JOIN messages AS m ON m.user_id = %(user_id)s AND m.message_id = c.message_id
         CROSS JOIN q
         ORDER BY score DESC, m.seq DESC
         LIMIT %(limit)s
    """
    return sql, params
