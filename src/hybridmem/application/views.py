"""Reading memory as it is stored: a session's history, the merged view, the graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hybridmem.domain.facts import Fact
from hybridmem.domain.messages import Message
from hybridmem.domain.pagination import Page
from hybridmem.domain.recall import assemble, item_from_fact, item_from_message
from hybridmem.domain.replies import is_memory_source
from hybridmem.domain.retrieval import GraphView
from hybridmem.ports.accounts import SessionRepository
from hybridmem.ports.memory import FactMemory, GraphMemory
from hybridmem.ports.messages import ChatHistory, MessageLookup

_VIEW_FACTS = 500


@dataclass(frozen=True, slots=True)
class MemoryView:
    """Everything remembered about a user (and a session's recent messages)."""

    facts: tuple[Fact, ...]
    graph: GraphView
    messages: tuple[Message, ...]
    context: str


class MemoryViews:
    """What is stored, as stored: history pages, the merged view, the graph."""

    def __init__(
        self,
        *,
        history: ChatHistory,
        lookup: MessageLookup,
        sessions: SessionRepository,
        facts: FactMemory,
        graph: GraphMemory,
        context_budget_tokens: int = 1200,
    ) -> None:
        self._history = history
        self._lookup = lookup
        self._sessions = sessions
        self._facts = facts
        self._graph = graph
        self._context_budget = context_budget_tokens

    async def history(
        self, user_id: str, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[Message]:
        """A session's messages, oldest first; NotFound for a session the user lacks."""
        await self._sessions.get(user_id, session_id)
        return await self._history.list(user_id, session_id, limit=limit, cursor=cursor)

    async def message(self, user_id: str, message_id: str) -> Message:
        """One of the user's messages (where a fact came from); NotFound otherwise."""
        return await self._lookup.get(user_id, message_id)

    async def recent(self, user_id: str, session_id: str, limit: int) -> Sequence[Message]:
        """The last ``limit`` messages of the session, oldest first."""
        return await self._history.recent(user_id, session_id, limit)

    async def view(self, user_id: str, *, session_id: str | None, recent: int = 6) -> MemoryView:
        """Facts (current and past), the graph, recent messages and a context string."""
        if session_id is not None:
            await self._sessions.get(user_id, session_id)
        page = await self._facts.list(
            user_id, limit=_VIEW_FACTS, cursor=None, include_invalidated=True
        )
        graph = await self._graph.view(user_id, as_of=None, include_invalidated=True)
        messages = await self._history.recent(user_id, session_id, recent) if session_id else []
        # Current facts first, newest first within each group, then the session's messages.
        ordered = sorted(page.items, key=lambda f: (not f.is_current, -f.valid_from.timestamp()))
        items = [item_from_fact(fact) for fact in ordered]
        items += [item_from_message(message) for message in messages if is_memory_source(message)]
        context = assemble(items, budget_tokens=self._context_budget)
        return MemoryView(
            facts=tuple(page.items),
            graph=graph,
            messages=tuple(messages),
            context=context.text,
        )

    async def graph(
        self, user_id: str, *, as_of: datetime | None, include_invalidated: bool
    ) -> GraphView:
        """The user's graph (valid now, as of a time, or all with validity)."""
        return await self._graph.view(user_id, as_of=as_of, include_invalidated=include_invalidated)
