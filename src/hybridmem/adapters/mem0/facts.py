"""The fact memory on Mem0 Platform: each of our facts is one verbatim Mem0 memory.

- Facts are already normalized, so they are added with ``infer: false`` (Mem0 must not
  re-extract), text = the fact's text, metadata = every structured field
  (see :mod:`.mapping`).
- Mem0 chooses memory ids; our fact id is the ``hm_fact_id`` metadata, found with a
  metadata-filtered v3 list and cached (:mod:`.ids`). Adding first checks that no memory
  holds the fact id, so re-applying a plan (a retried job) stores nothing twice.
- ``list`` and ``current`` read every page of the user's memories (v3 list, 200 per
  page) and order them here: Mem0 pages by its own order and by offset, while the
  contract wants ``valid_from`` order and keyset cursors that stay stable under writes.
- Deleting keeps the memory id (in process, and in ``ProviderLinks`` when given), so
  the fact's history, which Mem0 keeps under that id, stays reachable.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import chain
from typing import Any

from hybridmem.adapters._http import Sleep
from hybridmem.adapters.mem0.client import MAX_PAGE_SIZE, UPSTREAM, Mem0Client
from hybridmem.adapters.mem0.events import AddSettler
from hybridmem.adapters.mem0.ids import MemoryIds
from hybridmem.adapters.mem0.mapping import (
    FACT_ID,
    any_attribute,
    created_at,
    current_only,
    fact_id_of,
    fact_metadata,
    history_events,
    memory_to_fact,
    metadata_is,
    owned_by,
    scope,
)
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.errors import InvalidInput, NotFound, UpstreamUnavailable
from hybridmem.domain.facts import Fact
from hybridmem.domain.pagination import CursorShape, Page, decode_cursor, encode_cursor
from hybridmem.domain.retrieval import FactEvent, FactQuery, ScoredFact
from hybridmem.domain.temporal import TemporalAction, TemporalPlan
from hybridmem.ports.providers import ProviderLinks

log = logging.getLogger(__name__)

#: ``ProviderLinks`` kind for deleted facts' memory ids.
LINK_KIND = "fact"
_LOOKUP_PAGE = 10

# Fused score, in [0, 1]: Mem0's relevance, the router's attributes, validity (the same
# signals the local engine fuses, so both rank alike).
_W_TEXT, _W_ATTRIBUTE, _W_CURRENT = 0.6, 0.3, 0.1

JsonObject = dict[str, Any]


def _memory_id(memory: Mapping[str, Any]) -> str | None:
    value = memory.get("id")
    return value if isinstance(value, str) and value else None


def _age(memory: Mapping[str, Any]) -> tuple[str, str]:
    return created_at(memory), str(memory.get("id"))


#: Facts page by (valid_from, fact id), newest first.
_CURSOR: CursorShape = (datetime, str)


def _after(cursor: str) -> tuple[datetime, str]:
    after, fact_id = decode_cursor(cursor, *_CURSOR)
    return after, fact_id


class Mem0FactMemory:
    """``FactMemory`` on Mem0 Platform (see the module docstring)."""

    def __init__(
        self,
        client: Mem0Client,
        *,
        wait_for_add: bool = True,
        event_poll_attempts: int = 10,
        event_poll_interval: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        links: ProviderLinks | None = None,
        page_size: int = MAX_PAGE_SIZE,
        search_threshold: float = 0.1,
        cache_size: int = 10_000,
    ) -> None:
        self._client = client
        self._settler = AddSettler(
            client,
            wait=wait_for_add,
            poll_attempts=event_poll_attempts,
            poll_interval=event_poll_interval,
            sleep=sleep,
        )
        self._links = links
        self._page_size = min(max(1, page_size), MAX_PAGE_SIZE)
        self._threshold = search_threshold
        self._ids = MemoryIds(cache_size)

    # --- writes ----------------------------------------------------------------------

    async def apply(self, user_id: str, plan: TemporalPlan) -> None:
        """Store a temporal plan: ADD adds a memory unless one holds the fact id; CLOSE
        and CONFIRM rewrite the memory (Mem0 records ADD/UPDATE in its history); REMOVE
        deletes it. Mem0 has no transactions: decisions are applied in order, each one
        idempotent, so a retried job completes a plan that failed half way."""
        for decision in plan.decisions:
            if decision.fact.user_id != user_id:
                raise InvalidInput("a fact of another user", details={"field": "user_id"})
        # In order: a plan touches a handful of facts, and Mem0 rate-limits bursts.
        for decision in plan.decisions:
            if decision.action is TemporalAction.ADD:
                await self._add(user_id, decision.fact, decision.reason)
            elif decision.action is TemporalAction.REMOVE:
                with contextlib.suppress(NotFound):
                    await self.delete(user_id, decision.fact.fact_id, reason=decision.reason)
            else:
                await self._rewrite(user_id, decision.fact, decision.reason)

    async def _add(self, user_id: str, fact: Fact, reason: str) -> None:
        if await self._stored(user_id, fact.fact_id):
            return  # an id already stored is left as is
        answer = await self._client.add_guarded(
            user_id=user_id,
            text=fact.text,
            metadata=fact_metadata(fact, reason=reason),
            exists=partial(self._stored, user_id, fact.fact_id),
        )
        if answer is None:
            return  # a lost response had in fact stored it
        memory_id = await self._settler.settle(answer)
        if memory_id is not None:
            self._ids.remember(user_id, fact.fact_id, memory_id)

    async def _rewrite(self, user_id: str, fact: Fact, reason: str) -> None:
        memory = await self._find(user_id, fact.fact_id)
        memory_id = _memory_id(memory) if memory else None
        if memory is None or memory_id is None:
            # The plan was made from stored facts, so the memory exists or its add is
            # still queued at Mem0: fail (the job is retried) rather than leave a
            # superseded fact current.
            raise UpstreamUnavailable(
                f"{UPSTREAM}: the memory of fact {fact.fact_id} is not visible yet",
                upstream=UPSTREAM,
                details={"fact_id": fact.fact_id},
            )
        if memory_to_fact(memory, user_id) == fact:
            return  # re-applied plan: no second UPDATE in the history
        await self._client.update(
            memory_id, text=fact.text, metadata=fact_metadata(fact, reason=reason)
        )

    async def update(self, user_id: str, fact: Fact, *, reason: str) -> Fact:
        """Overwrite a fact's memory (text and metadata); Mem0 records an UPDATE."""
        if fact.user_id != user_id:
            raise InvalidInput("a fact of another user", details={"field": "user_id"})
        memory = await self._find(user_id, fact.fact_id)
        memory_id = _memory_id(memory) if memory else None
        if memory_id is None:
            raise NotFound("fact not found")
        await self._client.update(
            memory_id, text=fact.text, metadata=fact_metadata(fact, reason=reason)
        )
        return fact

    async def delete(self, user_id: str, fact_id: str, *, reason: str) -> None:
        """Delete the fact's memory; NotFound when no memory holds the fact id.

        Read fresh from Mem0 (not the cache), so a fact deleted elsewhere is NotFound,
        and any accidental duplicate of the memory goes too. A retry of our own DELETE
        that meets a 404 succeeds (see ``Mem0Client.delete``); a memory gone before our
        first attempt is NotFound, like a fact deleted twice. Mem0's DELETE takes no
        body, so ``reason`` is not recorded there.
        """
        holders = await self._holders(user_id, fact_id)
        if not holders:
            raise NotFound("fact not found")
        memory_id, *duplicates = holders
        if self._links is not None:
            # Before deleting: afterwards no metadata lookup finds the memory id, and
            # the history lives under it.
            await self._links.put(UPSTREAM, LINK_KIND, user_id, fact_id, memory_id)
        self._ids.bury(user_id, fact_id, memory_id)
        try:
            await self._client.delete(memory_id)
        except NotFound:
            raise NotFound("fact not found") from None
        for duplicate in duplicates:
            with contextlib.suppress(NotFound):
                await self._client.delete(duplicate)

    # --- reads -----------------------------------------------------------------------

    async def current(
        self, user_id: str, attributes: Collection[Attribute] | None = None
    ) -> Sequence[Fact]:
        """Current facts (of the given attributes), oldest first."""
        if attributes is not None and not attributes:
            return []
        conditions = [current_only()]
        if attributes is not None:
            conditions.append(any_attribute(sorted(set(attributes))))
        facts = [
            fact
            for fact in await self._scan(user_id, *conditions)
            if fact.is_current and (attributes is None or fact.attribute in attributes)
        ]
        return sorted(facts, key=lambda fact: (fact.valid_from, fact.fact_id))

    async def search(self, user_id: str, query: FactQuery) -> Sequence[ScoredFact]:
        """Mem0's semantic search, plus a search within the router's attributes (as the
        local engine unions text and attribute candidates), fused into one score."""
        text = query.text.strip()
        if query.limit <= 0 or not text:
            return []
        validity = () if query.include_invalidated else (current_only(),)
        searches = [
            self._client.search(
                text, scope(user_id, *validity), top_k=query.limit, threshold=self._threshold
            )
        ]
        if query.attributes:
            # No relevance floor here: the router already chose these attributes.
            searches.append(
                self._client.search(
                    text,
                    scope(user_id, *validity, any_attribute(query.attributes)),
                    top_k=query.limit,
                    threshold=0.0,
                )
            )
        best: dict[str, tuple[Fact, float]] = {}
        for hit in chain.from_iterable(await asyncio.gather(*searches)):
            fact = memory_to_fact(hit, user_id)
            if fact is None or (not query.include_invalidated and not fact.is_current):
                continue
            score = hit.get("score")
            relevance = float(score) if isinstance(score, int | float) else 0.0
            if fact.fact_id not in best or best[fact.fact_id][1] < relevance:
                best[fact.fact_id] = (fact, relevance)
        wanted = set(query.attributes)
        scored = [
            ScoredFact(
                fact=fact,
                score=round(
                    _W_TEXT * min(max(relevance, 0.0), 1.0)
                    + _W_ATTRIBUTE * (fact.attribute in wanted)
                    + _W_CURRENT * fact.is_current,
                    6,
                ),
            )
            for fact, relevance in best.values()
        ]
        scored.sort(
            key=lambda hit: (-hit.score, -hit.fact.valid_from.timestamp(), hit.fact.fact_id)
        )
        return scored[: query.limit]

    async def get(self, user_id: str, fact_id: str) -> Fact:
        """One fact of the user."""
        memory = await self._find(user_id, fact_id)
        fact = memory_to_fact(memory, user_id) if memory else None
        if fact is None:
            raise NotFound("fact not found")
        return fact

    async def list(
        self, user_id: str, *, limit: int, cursor: str | None, include_invalidated: bool
    ) -> Page[Fact]:
        """Newest first by ``valid_from`` then id, with keyset cursors."""
        after = _after(cursor) if cursor is not None else None
        conditions = () if include_invalidated else (current_only(),)
        facts = [
            fact
            for fact in await self._scan(user_id, *conditions)
            if include_invalidated or fact.is_current
        ]
        facts.sort(key=lambda fact: (fact.valid_from, fact.fact_id), reverse=True)
        if after is not None:
            facts = [fact for fact in facts if (fact.valid_from, fact.fact_id) < after]
        items = facts[: max(0, limit)]
        next_cursor = (
            encode_cursor(items[-1].valid_from.isoformat(), items[-1].fact_id)
            if items and len(facts) > len(items)
            else None
        )
        return Page(items=items, next_cursor=next_cursor)

    async def history(self, user_id: str, fact_id: str) -> Sequence[FactEvent]:
        """Mem0's history of the fact's memory, as fact events, oldest first."""
        memory_id = self._ids.live(user_id, fact_id)
        if memory_id is None:
            memory = await self._lookup(user_id, fact_id)
            memory_id = _memory_id(memory) if memory else None
        if memory_id is None:
            memory_id = self._ids.deleted(user_id, fact_id)
        if memory_id is None and self._links is not None:
            memory_id = await self._links.get(UPSTREAM, LINK_KIND, user_id, fact_id)
        if memory_id is None:
            raise NotFound("fact not found")
        entries = await self._client.history(memory_id)
        if not all(owned_by(entry, user_id) for entry in entries):
            raise NotFound("fact not found")
        return history_events(fact_id, entries)

    # --- finding memories ------------------------------------------------------------

    async def _stored(self, user_id: str, fact_id: str) -> bool:
        """True when a memory holds the fact id (cache first, then Mem0)."""
        if self._ids.live(user_id, fact_id) is not None:
            return True
        return await self._lookup(user_id, fact_id) is not None

    async def _find(self, user_id: str, fact_id: str) -> JsonObject | None:
        """The memory holding the fact, fetched fresh; None when there is none."""
        memory_id = self._ids.live(user_id, fact_id)
        if memory_id is not None:
            try:
                memory = await self._client.get(memory_id)
            except NotFound:
                memory = None
            if memory is not None and fact_id_of(memory) == fact_id and owned_by(memory, user_id):
                memory.setdefault("id", memory_id)
                return memory
            self._ids.forget(user_id, fact_id)
        return await self._lookup(user_id, fact_id)

    async def _lookup(self, user_id: str, fact_id: str) -> JsonObject | None:
        """Find the memory by its ``hm_fact_id`` metadata (and cache its id)."""
        matches = await self._matches(user_id, fact_id)
        if not matches:
            return None
        memory = matches[0]
        self._ids.remember(user_id, fact_id, str(memory["id"]))
        return memory

    async def _holders(self, user_id: str, fact_id: str) -> builtins.list[str]:
        """The ids of every memory holding the fact id, the one in use first."""
        return [str(memory["id"]) for memory in await self._matches(user_id, fact_id)]

    async def _matches(self, user_id: str, fact_id: str) -> builtins.list[JsonObject]:
        """Memories holding the fact id, oldest first (a metadata-filtered v3 list).

        Normally one; two only if the same add ran twice at once (Mem0 has no
        idempotency key). The oldest is the one in use, everywhere.
        """
        body = await self._client.list_page(
            scope(user_id, metadata_is(FACT_ID, fact_id)), page=1, page_size=_LOOKUP_PAGE
        )
        matches = [
            memory
            for memory in body["results"]
            if isinstance(memory, dict)
            and _memory_id(memory) is not None
            and fact_id_of(memory) == fact_id
            and owned_by(memory, user_id)
        ]
        if len(matches) > 1:
            log.warning("mem0 holds %d memories for one fact; using the oldest", len(matches))
        return sorted(matches, key=_age)

    async def _scan(self, user_id: str, *conditions: Mapping[str, Any]) -> builtins.list[Fact]:
        """Every fact the filtered v3 list yields, page by page (duplicates dropped)."""
        filters = scope(user_id, *conditions)
        kept: dict[str, tuple[tuple[str, str], Fact]] = {}
        page, seen = 1, 0
        while True:
            try:
                body = await self._client.list_page(filters, page=page, page_size=self._page_size)
            except NotFound:
                if page == 1:
                    raise
                break  # "Invalid page": the listing shrank while it was read
            results = [memory for memory in body["results"] if isinstance(memory, dict)]
            seen += len(results)
            for memory in results:
                fact = memory_to_fact(memory, user_id)
                # Of duplicates, keep the memory lookups use (the oldest).
                if fact is not None and (
                    fact.fact_id not in kept or _age(memory) < kept[fact.fact_id][0]
                ):
                    kept[fact.fact_id] = (_age(memory), fact)
            count = body.get("count")
            if not body.get("next") or not results or (isinstance(count, int) and seen >= count):
                break
            page += 1
        return [fact for _, fact in kept.values()]
