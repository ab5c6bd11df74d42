"""The local temporal graph: entities and relations with validity, searchable by text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import errors as pg_errors

from hybridmem.adapters.postgres.database import Database
from hybridmem.adapters.postgres.facts import RECENCY
from hybridmem.domain.episodes import Episode
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.graph import Entity, EntityType, GraphUpdate, Relation, RelationType
from hybridmem.domain.retrieval import GraphView, RelationQuery, ScoredRelation

_RELATION_COLUMNS = (
    "r.relation_id, r.user_id, r.source_key, r.relation_type, r.target_key, r.fact_text, "
    "r.qualifier, r.valid_at, r.invalid_at, r.invalidated_by, r.episode_id"
)
# Built with 'simple' from lexemes already stemmed (see facts.OR_QUERY).
_OR_QUERY = """
    SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query
      FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) AS lexeme
     WHERE lexeme <> ALL (tsvector_to_array(to_tsvector('english', %(cues)s)))
"""
_CANDIDATE_POOL = 200


def _relation(row: dict[str, Any]) -> Relation:
    return Relation(
        relation_id=row["relation_id"],
        user_id=row["user_id"],
        source_key=row["source_key"],
        relation_type=RelationType(row["relation_type"]),
        target_key=row["target_key"],
        fact=row["fact_text"],
        valid_at=row["valid_at"],
        invalid_at=row["invalid_at"],
        episode_id=row["episode_id"],
        qualifier=row["qualifier"],
        invalidated_by=row["invalidated_by"],
    )


def _entity(row: dict[str, Any], prefix: str = "") -> Entity:
    return Entity(
        user_id=row["user_id"],
        key=row[f"{prefix}entity_key"],
        name=row[f"{prefix}name"],
        entity_type=EntityType(row[f"{prefix}entity_type"]),
        summary=row[f"{prefix}summary"],
    )


def _time_filter(as_of: datetime | None, include_invalidated: bool) -> tuple[str, dict[str, Any]]:
    if as_of is not None:
        return (
            "AND r.valid_at <= %(as_of)s AND (r.invalid_at IS NULL OR r.invalid_at > %(as_of)s)",
            {"as_of": as_of},
        )
    if not include_invalidated:
        return "AND r.invalid_at IS NULL", {}
    return "", {}


class PostgresGraphMemory:
    """``GraphMemory`` on PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def apply(self, user_id: str, update: GraphUpdate) -> None:
        """Remove relations, upsert entities, add relations, invalidate relations — in one
        transaction."""
        if update.is_empty:
            return
        try:
            await self._apply(user_id, update)
        except pg_errors.ForeignKeyViolation as exc:
            raise InvalidInput("a relation names an entity the graph lacks") from exc

    async def _apply(self, user_id: str, update: GraphUpdate) -> None:
        async with self._db.transaction() as conn:
            if update.removed:
                await conn.execute(
                    "DELETE FROM relations WHERE user_id = %s AND relation_id = ANY(%s)",
                    (user_id, list(update.removed)),
                )
            for entity in update.entities:
                await conn.execute(
                    "INSERT INTO entities (user_id, entity_key, name, entity_type, summary) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (user_id, entity_key) DO NOTHING",
                    (user_id, entity.key, entity.name, entity.entity_type.value, entity.summary),
                )
            for relation in update.added:
                await conn.execute(
                    """
                    INSERT INTO relations (user_id, relation_id, source_key, relation_type,
                                           target_key, fact_text, qualifier, valid_at,
                                           invalid_at, invalidated_by, episode_id)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                    ON CONFLICT (user_id, relation_id) DO NOTHING
                    """,
                    (
                        user_id,
                        relation.relation_id,
                        relation.source_key,
                        relation.relation_type.value,
                        relation.target_key,
                        relation.fact,
                        relation.qualifier,
                        relation.valid_at,
                        relation.invalid_at,
                        relation.invalidated_by,
                        relation.episode_id,
                    ),
                )
            for change in update.invalidated:
                await conn.execute(
                    "UPDATE relations SET invalid_at = greatest(%s, valid_at), "
                    "invalidated_by = %s WHERE user_id = %s AND relation_id = %s",
                    (change.invalid_at, change.invalidated_by, user_id, change.relation_id),
                )

    async def search(self, user_id: str, query: RelationQuery) -> Sequence[ScoredRelation]:
        """Text rank fused with relation-type match and recency."""
        time_sql, time_params = _time_filter(query.as_of, query.include_invalidated)
        async with self._db.connection() as conn:
            cursor = await conn.execute(
                f"""
                WITH q AS ({_OR_QUERY}),
                candidates AS (
                    (SELECT r.relation_id FROM relations AS r, q
                      WHERE q.query IS NOT NULL AND r.user_id = %(user_id)s
                        AND r.search @@ q.query {time_sql}
                      ORDER BY ts_rank_cd(r.search, q.query, 32) DESC
                      LIMIT %(pool)s)
                    UNION
                    (SELECT r.relation_id FROM relations AS r
                      WHERE r.user_id = %(user_id)s AND r.relation_type = ANY(%(types)s)
                        {time_sql}
                      ORDER BY r.valid_at DESC
                      LIMIT %(pool)s)
                )
                SELECT {_RELATION_COLUMNS},
                       e.entity_key, e.name, e.entity_type, e.summary,
                       0.55 * coalesce(ts_rank_cd(r.search, q.query, 32), 0)
                     + 0.30 * (r.relation_type = ANY(%(types)s))::int
                     + 0.10 * (r.invalid_at IS NULL)::int
                     + 0.05 * {RECENCY.format(column="r.valid_at")} AS score
                  FROM candidates
                  JOIN relations AS r USING (relation_id)
                  JOIN entities AS e ON e.user_id = r.user_id AND e.entity_key = r.target_key
                  CROSS JOIN q
                 WHERE r.user_id = %(user_id)s
                 ORDER BY score DESC, r.valid_at DESC, r.relation_id
                 LIMIT %(limit)s
                """,
                {
                    "text": query.text,
                    "cues": " ".join(t.value.replace("_", " ") for t in query.relation_types),
                    "user_id": user_id,
                    "types": [t.value for t in query.relation_types],
                    "limit": query.limit,
                    "pool": max(_CANDIDATE_POOL, query.limit),
                    **time_params,
                },
            )
            rows = await cursor.fetchall()
        return [
            ScoredRelation(
                relation=_relation(row), target=_entity(row), score=round(float(row["score"]), 6)
            )
            for row in rows
        ]

    async def add_episode(self, user_id: str, episode: Episode) -> None:
        """Nothing to do: the local graph is derived from extracted facts (``apply``)."""

    async def view(
        self, user_id: str, *, as_of: datetime | None, include_invalidated: bool
    ) -> GraphView:
        """Entities and relations (valid at ``as_of``, or all/current)."""
        time_sql, time_params = _time_filter(as_of, include_invalidated)
        async with self._db.connection() as conn:
            relations = await (
                await conn.execute(
                    f"SELECT {_RELATION_COLUMNS} FROM relations AS r "
                    f"WHERE r.user_id = %(user_id)s {time_sql} ORDER BY r.valid_at, r.relation_id",
                    {"user_id": user_id, **time_params},
                )
            ).fetchall()
            entities = await (
                await conn.execute(
                    "SELECT user_id, entity_key, name, entity_type, summary FROM entities "
                    "WHERE user_id = %s ORDER BY created_at, entity_key",
                    (user_id,),
                )
            ).fetchall()
        return GraphView(
            entities=tuple(_entity(row) for row in entities),
            relations=tuple(_relation(row) for row in relations),
        )
