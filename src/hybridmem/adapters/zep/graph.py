"""The user's temporal graph at Zep: Zep extracts it from the messages and episodes it
receives; we search and list it and map its edges and nodes to relations and entities.

A v4 user graph is addressed by the user's UUID (``graphs/{user_uuid}/…``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from hybridmem.adapters.zep.client import (
    MAX_PAGE_SIZE,
    MAX_SEARCH_PAGE,
    Json,
    ZepClient,
    derived_key,
    items_of,
    segment,
)
from hybridmem.adapters.zep.users import ZepUsers
from hybridmem.adapters.zep.wire import (
    VALID_NOW_FILTER,
    edge_target,
    is_entity_edge,
    log_task,
    result_score,
    rfc3339,
    to_entity,
    to_relation,
)
from hybridmem.domain.episodes import Episode, EpisodeKind
from hybridmem.domain.errors import NotFound
from hybridmem.domain.graph import Entity, GraphUpdate, Relation
from hybridmem.domain.retrieval import GraphView, RelationQuery, ScoredRelation
from hybridmem.ports.providers import ProviderLinks

log = logging.getLogger(__name__)

#: An ``as_of`` search cannot filter at Zep (see ``search``): fetch more, filter here.
AS_OF_OVERFETCH = 3
#: Node look-ups a search may add for targets the edges do not name.
MAX_NODE_FETCHES = 10
DEFAULT_VIEW_PAGES = 20  # × 100 edges (and nodes): bounds a view of a huge graph

_EPISODE_TYPES = {
    EpisodeKind.TEXT: "text",
    EpisodeKind.JSON: "json",
    EpisodeKind.MESSAGE: "message",
}


class ZepGraphMemory:
    """``GraphMemory`` on a Zep user graph.

    Endpoints: ``POST graphs/{uuid}/episodes`` (add, 202 with a task),
    ``POST graphs/{uuid}/search/edges``, ``POST graphs/{uuid}/edges/list`` and
    ``…/nodes/list`` (cursor pages), ``GET graphs/{uuid}/nodes/{node_uuid}``.
    """

    def __init__(
        self, client: ZepClient, links: ProviderLinks, *, max_view_pages: int = DEFAULT_VIEW_PAGES
    ) -> None:
        self._client = client
        self._users = ZepUsers(client, links)
        self._max_view_pages = max(1, max_view_pages)

    async def apply(self, user_id: str, update: GraphUpdate) -> None:
        """Nothing to do: Zep builds the graph itself from the thread messages and the
        episodes it receives (its extraction decides entities, relations and their
        invalidation), so the relations our rule extractor derived are not written —
        writing them too would duplicate every fact in the user's graph. Likewise a fact
        the user corrects or deletes changes the fact memory only: Zep's edges are Zep's
        own (edit them in Zep)."""

    async def add_episode(self, user_id: str, episode: Episode) -> None:
        """Hand business data (text, JSON or a message) to the user's graph, once per
        episode id (the idempotency key), with its event time as ``reference_time``."""
        graph = await self._users.ensure(user_id)
        body: Json = {"data": episode.content, "type": _EPISODE_TYPES[episode.kind]}
        if episode.source_description:
            body["source_description"] = episode.source_description
        body["reference_time"] = rfc3339(episode.occurred_at)
        answer = await self._client.write(
            "POST",
            f"graphs/{segment(graph)}/episodes",
            body,
            key=derived_key("graph.episode", graph, episode.episode_id),
        )
        log_task(answer, what=f"episode {episode.episode_id}")

    async def search(self, user_id: str, query: RelationQuery) -> Sequence[ScoredRelation]:
        """Zep's edge search (cross-encoder reranked), mapped to scored relations.

        Valid-now by default (Zep filters ``invalid_at`` is null); ``include_invalidated``
        drops the filter. ``as_of`` searches without the filter and keeps the relations
        valid at that time here: the v4 date filter's comparison shape is not part of
        the SDK's recorded requests, so it is not guessed at.
        """
        text = query.text.strip() or " ".join(
            relation_type.value.replace("_", " ") for relation_type in query.relation_types
        )
        if not text or query.limit < 1:
            return []
        graph = await self._users.known(user_id)
        if graph is None:
            return []  # Zep never heard of the user: nothing to find
        page_size = query.limit if query.as_of is None else query.limit * AS_OF_OVERFETCH
        body: Json = {"query": text}
        if query.as_of is None and not query.include_invalidated:
            body["filters"] = VALID_NOW_FILTER
        body["reranker"] = "cross_encoder"
        try:
            answer = await self._client.read(
                f"graphs/{segment(graph)}/search/edges",
                body,
                params={"page_size": min(page_size, MAX_SEARCH_PAGE)},
            )
        except NotFound:
            return []
        found: list[tuple[Relation, Json, float]] = []
        for rank, edge in enumerate(items_of(answer, "edges")):
            relation = to_relation(edge, user_id=user_id) if is_entity_edge(edge) else None
            if relation is None:
                continue
            if query.as_of is not None and not relation.is_valid_at(query.as_of):
                continue
            found.append((relation, edge, result_score(edge, rank)))
        found = found[: query.limit]
        targets = await self._targets(graph, user_id, [edge for _, edge, _ in found])
        return [
            ScoredRelation(relation=relation, target=targets[relation.target_key], score=score)
            for relation, _, score in found
            if relation.target_key in targets
        ]

    async def view(
        self, user_id: str, *, as_of: datetime | None, include_invalidated: bool
    ) -> GraphView:
        """The user's nodes and edges (valid now, valid at ``as_of``, or all)."""
        graph = await self._users.known(user_id)
        if graph is None:
            return GraphView(entities=(), relations=())
        edge_body: Json = {}
        if as_of is None and not include_invalidated:
            edge_body["filters"] = VALID_NOW_FILTER
        try:
            edges, nodes = await asyncio.gather(
                self._client.collect(
                    f"graphs/{segment(graph)}/edges/list",
                    edge_body,
                    page_size=MAX_PAGE_SIZE,
                    max_pages=self._max_view_pages,
                ),
                self._client.collect(
                    f"graphs/{segment(graph)}/nodes/list",
                    {},
                    page_size=MAX_PAGE_SIZE,
                    max_pages=self._max_view_pages,
                ),
            )
        except NotFound:
            return GraphView(entities=(), relations=())
        relations = [
            relation
            for edge in edges
            if is_entity_edge(edge)
            and (relation := to_relation(edge, user_id=user_id)) is not None
            and (as_of is None or relation.is_valid_at(as_of))
        ]
        relations.sort(key=lambda relation: (relation.valid_at, relation.relation_id))
        entities = [
            entity for node in nodes if (entity := to_entity(node, user_id=user_id)) is not None
        ]
        return GraphView(entities=tuple(entities), relations=tuple(relations))

    async def _targets(self, graph: str, user_id: str, edges: list[Json]) -> dict[str, Entity]:
        """Target entities by node key: from the edges themselves (search results carry
        the target's name and labels), else by fetching the node — a bounded number of
        look-ups, concurrently."""
        targets: dict[str, Entity] = {}
        missing: list[str] = []
        for edge in edges:
            entity = edge_target(edge, user_id=user_id)
            if entity is not None:
                targets.setdefault(entity.key, entity)
            elif isinstance(key := edge.get("target_node_uuid"), str) and key:
                missing.append(key)
        wanted = [key for key in dict.fromkeys(missing) if key not in targets]
        fetched = await asyncio.gather(
            *(self._node(graph, key) for key in wanted[:MAX_NODE_FETCHES])
        )
        for node in fetched:
            entity = to_entity(node, user_id=user_id) if node is not None else None
            if entity is not None:
                targets.setdefault(entity.key, entity)
        return targets

    async def _node(self, graph: str, node_uuid: str) -> Json | None:
        try:
            return await self._client.get(f"graphs/{segment(graph)}/nodes/{segment(node_uuid)}")
        except NotFound:
            log.debug("zep edge target %s is gone", node_uuid)
            return None
