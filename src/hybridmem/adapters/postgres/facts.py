"""The local fact memory: PostgreSQL full-text search fused with attribute match,
validity and recency; every change recorded in ``fact_events``."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from hybridmem.adapters.postgres.database import Connection, Database
from hybridmem.adapters.postgres.vectors import MIN_SIMILARITY, VectorColumn
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.display import describe
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.facts import Fact, FactSource, fact_document
from hybridmem.domain.pagination import CursorShape, Page, decode_cursor, encode_cursor
from hybridmem.domain.retrieval import FactEvent, FactEventKind, FactQuery, ScoredFact
from hybridmem.domain.temporal import TemporalAction, TemporalPlan
from hybridmem.domain.text import normalize_value
from hybridmem.ports.embeddings import Embedder

log = logging.getLogger(__name__)

_COLUMNS = (
    "fact_id, user_id, attribute, value, qualifier, fact_text, valid_from, valid_to, "
    "provenance, source, confidence, superseded_by"
)

# Free text becomes an OR-query of its stemmed words (a question shares few words with
# the fact that answers it). Words that only name an attribute the router already chose
# ("like", "live") are dropped: the attribute candidates cover them, and in the fact
# texts they are template words that would match every fact of that attribute. The
# lexemes are already stemmed, so the query is built with 'simple': stemming them again
# turns "coffe" (coffee) into "coff", which no document holds.
OR_QUERY = """
    SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query
      FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) AS lexeme
     WHERE lexeme <> ALL (tsvector_to_array(to_tsvector('english', %(cues)s)))
"""

# Recency decays over a year; computed in float8 and capped at 50 years, because in
# NUMERIC exp(-age) of an ancient date underflows double precision in the sum.
RECENCY = (
    "exp(-least(greatest(extract(epoch FROM (now() - {column})), 0)::float8 / 31536000.0, 50.0))"
)

# Candidates come from two bounded, index-driven sets (text matches by rank, and the
# router's attributes by recency), so cost does not grow with the user's fact count.
# The fused score then orders them: text rank in [0, 1) (normalization 32), attribute
# match, current over closed, recent over old.
_SCORE_TEMPLATE = """
      0.55 * coalesce(ts_rank_cd(f.search, q.query, 32), 0)
    + 0.30 * (f.attribute = ANY(%(attributes)s))::int
    + 0.10 * (f.valid_to IS NULL)::int
    + 0.05 * {recency}
"""
# With vectors, semantic similarity (cosine, in [0, 1] for related texts) takes part of
# the text rank's weight: it finds "my puppy" for "Has a dog named Bruno".
_SCORE_WITH_VECTORS_TEMPLATE = """
      0.30 * coalesce(ts_rank_cd(f.search, q.query, 32), 0)
    + 0.30 * greatest(0, 1 - coalesce(f.embedding <=> %(vector)s::vector, 1))
    + 0.25 * (f.attribute = ANY(%(attributes)s))::int
    + 0.10 * (f.valid_to IS NULL)::int
    + 0.05 * {recency}
"""
_SCORE = _SCORE_TEMPLATE.format(recency=RECENCY.format(column="f.valid_from"))
_SCORE_WITH_VECTORS = _SCORE_WITH_VECTORS_TEMPLATE.format(
    recency=RECENCY.format(column="f.valid_from")
)
_CANDIDATE_POOL = 200
#: Facts page by (valid_from, fact id), newest first.
_CURSOR: CursorShape = (datetime, str)


def attribute_cues(attributes: Collection[Attribute]) -> str:
    """The words that merely name the attributes (their names and display templates)."""
    return " ".join(
        f"{attribute.value.replace('_', ' ')} {describe(attribute, '')}" for attribute in attributes
    )


def _fact(row: dict[str, Any]) -> Fact:
    return Fact(
        fact_id=row["fact_id"],
        user_id=row["user_id"],
        attribute=Attribute(row["attribute"]),
        value=row["value"],
        valid_from=row["valid_from"],
        text=row["fact_text"],
        qualifier=row["qualifier"],
        valid_to=row["valid_to"],
        provenance=tuple(row["provenance"]),
        source=FactSource(row["source"]),
        confidence=float(row["confidence"]),
        superseded_by=row["superseded_by"],
    )


async def _record_event(
    conn: Connection,
    user_id: str,
    fact_id: str,
    kind: FactEventKind,
    *,
    old: Fact | None,
    new: Fact | None,
    reason: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO fact_events (user_id, fact_id, kind, old, new, reason) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (
            user_id,
            fact_id,
            kind.value,
            Jsonb(fact_document(old)) if old else None,
            Jsonb(fact_document(new)) if new else None,
            reason,
        ),
    )


def _fact_values(fact: Fact) -> tuple[Any, ...]:
    """The stored columns of a fact, in the order INSERT and UPDATE list them."""
    return (
        fact.attribute.value,
        fact.value,
        normalize_value(fact.value),
        fact.qualifier,
        fact.text,
        fact.valid_from,
        fact.valid_to,
        list(fact.provenance),
        fact.source.value,
        fact.confidence,
        fact.superseded_by,
    )


async def _store_vector(conn: Connection, fact: Fact, vector: str) -> None:
    await conn.execute(
        "UPDATE facts SET embedding = %s::vector WHERE user_id = %s AND fact_id = %s",
        (vector, fact.user_id, fact.fact_id),
    )


async def _lock_user(conn: Connection, user_id: str) -> None:
    # Serializes fact writes of one user across workers and API processes.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('facts:' || %s))", (user_id,))


class PostgresFactMemory:
    """``FactMemory`` on PostgreSQL; with an embedder and pgvector, search also ranks by
    semantic similarity (facts store a vector of their text)."""

    def __init__(
        self, database: Database, embedder: Embedder | None = None, *, require_vectors: bool = False
    ) -> None:
        self._db = database
        self._vectors_column = VectorColumn(database, embedder, "facts", required=require_vectors)

    async def _vectors(self) -> bool:
        return await self._vectors_column.ready()

    async def _embed(self, texts: list[str]) -> list[str]:
        return await self._vectors_column.embed(texts)

    async def apply(self, user_id: str, plan: TemporalPlan) -> None:
        """Store a temporal plan in one transaction, with history events."""
        if not plan.decisions:
            return
        vectors: dict[str, str] = {}
        if await self._vectors():
            texts = {
                d.fact.fact_id: d.fact.text
                for d in plan.decisions
                if d.action is not TemporalAction.REMOVE
            }
            embedded = await self._embed(list(texts.values()))
            vectors = dict(zip(texts, embedded, strict=True))
        async with self._db.transaction() as conn:
            await _lock_user(conn, user_id)
            for decision in plan.decisions:
                fact = decision.fact
                if fact.user_id != user_id:
                    raise InvalidInput("a fact of another user", details={"field": "user_id"})
                if decision.action is TemporalAction.REMOVE:
                    cursor = await conn.execute(
                        "DELETE FROM facts WHERE user_id = %s AND fact_id = %s",
                        (user_id, fact.fact_id),
                    )
                    if cursor.rowcount:
                        await _record_event(
                            conn,
                            user_id,
                            fact.fact_id,
                            FactEventKind.DELETE,
                            old=decision.previous or fact,
                            new=None,
                            reason=decision.reason,
                        )
                elif decision.action is TemporalAction.ADD:
                    if await self._insert(conn, fact, vectors.get(fact.fact_id)):
                        await _record_event(
                            conn,
                            user_id,
                            fact.fact_id,
                            FactEventKind.ADD,
                            old=None,
                            new=fact,
                            reason=decision.reason,
                        )
                else:
                    kind = (
                        FactEventKind.INVALIDATE
                        if decision.action is TemporalAction.CLOSE
                        else FactEventKind.UPDATE
                    )
                    if await self._overwrite(conn, fact):
                        await _record_event(
                            conn,
                            user_id,
                            fact.fact_id,
                            kind,
                            old=decision.previous,
                            new=fact,
                            reason=decision.reason,
                        )

    @staticmethod
    async def _insert(conn: Connection, fact: Fact, vector: str | None = None) -> bool:
        cursor = await conn.execute(
            """
            INSERT INTO facts (user_id, fact_id, attribute, value, value_normalized, qualifier,
                               fact_text, valid_from, valid_to, provenance, source, confidence,
                               superseded_by)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (user_id, fact_id) DO NOTHING
            """,
            (fact.user_id, fact.fact_id, *_fact_values(fact)),
        )
        if vector is not None and cursor.rowcount == 1:
            await _store_vector(conn, fact, vector)
        return cursor.rowcount == 1

    @staticmethod
    async def _overwrite(conn: Connection, fact: Fact, vector: str | None = None) -> bool:
        cursor = await conn.execute(
            """
            UPDATE facts
               SET attribute = %s, value = %s, value_normalized = %s, qualifier = %s,
                   fact_text = %s, valid_from = %s, valid_to = %s, provenance = %s,
                   source = %s, confidence = %s, superseded_by = %s,
                   updated_at = clock_timestamp()
             WHERE user_id = %s AND fact_id = %s
            """,
            (*_fact_values(fact), fact.user_id, fact.fact_id),
        )
        if vector is not None and cursor.rowcount == 1:
            await _store_vector(conn, fact, vector)
        return cursor.rowcount == 1

    async def current(
        self, user_id: str, attributes: Collection[Attribute] | None = None
    ) -> Sequence[Fact]:
        """Current facts, oldest first."""
        condition = "AND attribute = ANY(%s)" if attributes is not None else ""
        params: tuple[Any, ...] = (user_id,)
        if attributes is not None:
            params += ([attribute.value for attribute in attributes],)
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_COLUMNS} FROM facts WHERE user_id = %s AND valid_to IS NULL "
                f"{condition} ORDER BY valid_from, fact_id",
                params,
            )
            return [_fact(row) for row in await cursor.fetchall()]

    async def search(self, user_id: str, query: FactQuery) -> Sequence[ScoredFact]:
        """Full-text matches, router-inferred attributes and (with an embedder) the
        semantically nearest facts, fused into one score."""
        if await self._vectors():
            [vector] = await self._embed([query.text])
            return await self._search(user_id, query, vector)
        return await self._search(user_id, query, None)

    async def _search(
        self, user_id: str, query: FactQuery, vector: str | None
    ) -> Sequence[ScoredFact]:
        vector_candidates = (
            """
                    UNION
                    (SELECT f.fact_id FROM facts AS f
                      WHERE f.user_id = %(user_id)s AND f.embedding IS NOT NULL
                        AND (%(include_invalidated)s OR f.valid_to IS NULL)
                        AND f.embedding <=> %(vector)s::vector <= %(max_distance)s
                      ORDER BY f.embedding <=> %(vector)s::vector
                      LIMIT %(pool)s)"""
            if vector is not None
            else ""
        )
        score = _SCORE if vector is None else _SCORE_WITH_VECTORS
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"""
                WITH q AS ({OR_QUERY}),
                candidates AS (
                    (SELECT f.fact_id FROM facts AS f, q
                      WHERE q.query IS NOT NULL AND f.user_id = %(user_id)s
                        AND f.search @@ q.query
                        AND (%(include_invalidated)s OR f.valid_to IS NULL)
                      ORDER BY ts_rank_cd(f.search, q.query, 32) DESC
                      LIMIT %(pool)s)
                    UNION
                    (SELECT f.fact_id FROM facts AS f
                      WHERE f.user_id = %(user_id)s AND f.attribute = ANY(%(attributes)s)
                        AND (%(include_invalidated)s OR f.valid_to IS NULL)
                      ORDER BY f.valid_from DESC
                      LIMIT %(pool)s){vector_candidates}
                )
                SELECT {", ".join("f." + c.strip() for c in _COLUMNS.split(","))},
                       {score} AS score
                  FROM candidates JOIN facts AS f USING (fact_id)
                 CROSS JOIN q
                 WHERE f.user_id = %(user_id)s
                 ORDER BY score DESC, f.valid_from DESC, f.attribute COLLATE "C",
                          f.value COLLATE "C", f.fact_id
                 LIMIT %(limit)s
                """,
                {
                    "text": query.text,
                    "cues": attribute_cues(query.attributes),
                    "user_id": user_id,
                    "include_invalidated": query.include_invalidated,
                    "attributes": [attribute.value for attribute in query.attributes],
                    "limit": query.limit,
                    "pool": max(_CANDIDATE_POOL, query.limit),
                    "vector": vector,
                    "max_distance": 1 - MIN_SIMILARITY,
                },
            )
            rows = await cursor.fetchall()
        return [ScoredFact(fact=_fact(row), score=round(float(row["score"]), 6)) for row in rows]

    async def get(self, user_id: str, fact_id: str) -> Fact:
        """One fact of the user."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"SELECT {_COLUMNS} FROM facts WHERE user_id = %s AND fact_id = %s",
                (user_id, fact_id),
            )
            row = await cursor.fetchone()
        if row is None:
            raise NotFound("fact not found")
        return _fact(row)

    async def list(
        self, user_id: str, *, limit: int, cursor: str | None, include_invalidated: bool
    ) -> Page[Fact]:
        """Newest first by validity start."""
        conditions = ["user_id = %s"]
        params: list[Any] = [user_id]
        if not include_invalidated:
            conditions.append("valid_to IS NULL")
        if cursor is not None:
            after, fact_id = decode_cursor(cursor, *_CURSOR)
            conditions.append("(valid_from, fact_id) < (%s, %s)")
            params += [after, fact_id]
        async with self._db.connection() as conn:
            result = await conn.execute(
                f"SELECT {_COLUMNS} FROM facts WHERE {' AND '.join(conditions)} "
                "ORDER BY valid_from DESC, fact_id DESC LIMIT %s",
                (*params, limit + 1),
            )
            rows = await result.fetchall()
        facts = [_fact(row) for row in rows[:limit]]
        next_cursor = (
            encode_cursor(facts[-1].valid_from.isoformat(), facts[-1].fact_id)
            if len(rows) > limit
            else None
        )
        return Page(items=facts, next_cursor=next_cursor)

    async def update(self, user_id: str, fact: Fact, *, reason: str) -> Fact:
        """Overwrite a fact (same id) and record an UPDATE event."""
        if fact.user_id != user_id:
            raise InvalidInput("a fact of another user", details={"field": "user_id"})
        vector = (await self._embed([fact.text]))[0] if await self._vectors() else None
        async with self._db.transaction() as conn:
            await _lock_user(conn, user_id)
            previous = await self._get_on(conn, user_id, fact.fact_id)
            await self._overwrite(conn, fact, vector)
            await _record_event(
                conn,
                user_id,
                fact.fact_id,
                FactEventKind.UPDATE,
                old=previous,
                new=fact,
                reason=reason,
            )
        return fact

    async def delete(self, user_id: str, fact_id: str, *, reason: str) -> None:
        """Remove a fact; its history keeps a DELETE event."""
        async with self._db.transaction() as conn:
            await _lock_user(conn, user_id)
            previous = await self._get_on(conn, user_id, fact_id)
            await conn.execute(
                "DELETE FROM facts WHERE user_id = %s AND fact_id = %s", (user_id, fact_id)
            )
            await _record_event(
                conn, user_id, fact_id, FactEventKind.DELETE, old=previous, new=None, reason=reason
            )

    @staticmethod
    async def _get_on(conn: Connection, user_id: str, fact_id: str) -> Fact:
        cursor = await conn.execute(
            f"SELECT {_COLUMNS} FROM facts WHERE user_id = %s AND fact_id = %s FOR UPDATE",
            (user_id, fact_id),
        )
        row = await cursor.fetchone()
        if row is None:
            raise NotFound("fact not found")
        return _fact(row)

    async def history(self, user_id: str, fact_id: str) -> Sequence[FactEvent]:
        """Events of one fact, oldest first; NotFound if it never existed for the user."""
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                "SELECT fact_id, kind, old, new, reason, at FROM fact_events "
                "WHERE user_id = %s AND fact_id = %s ORDER BY event_id",
                (user_id, fact_id),
            )
            rows = await cursor.fetchall()
        if not rows:
            raise NotFound("fact not found")
        return [
            FactEvent(
                fact_id=row["fact_id"],
                kind=FactEventKind(row["kind"]),
                at=row["at"],
                old=row["old"],
                new=row["new"],
                reason=row["reason"],
            )
            for row in rows
        ]
