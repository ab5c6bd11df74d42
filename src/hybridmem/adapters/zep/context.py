"""Zep's own prompt context: a thread's context block and the user node's summary.

Not a port yet; the application may use it to add Zep's assembled context to a turn.
"""

from __future__ import annotations

from hybridmem.adapters.zep.client import ZepClient, segment
from hybridmem.adapters.zep.history import THREAD_LINK
from hybridmem.adapters.zep.users import PROVIDER, ZepUsers
from hybridmem.domain.errors import NotFound
from hybridmem.ports.providers import ProviderLinks


class ZepContext:
    """Reads ``GET threads/{uuid}/context`` and ``GET users/{uuid}/node``."""

    def __init__(self, client: ZepClient, links: ProviderLinks) -> None:
        self._client = client
        self._links = links
        self._users = ZepUsers(client, links)

    async def thread_context(self, user_id: str, session_id: str) -> str | None:
        """The context block Zep assembles for the session's latest messages (facts,
        entities, episodes), None for a session Zep does not have."""
        thread = await self._links.get(PROVIDER, THREAD_LINK, user_id, session_id)
        if thread is None:
            return None
        try:
            answer = await self._client.get(f"threads/{segment(thread)}/context")
        except NotFound:
            return None
        context = answer.get("context")
        return context if isinstance(context, str) and context else None

    async def user_summary(self, user_id: str) -> str | None:
        """The summary of the user's own node in their graph, None when there is none."""
        user = await self._users.known(user_id)
        if user is None:
            return None
        try:
            answer = await self._client.get(f"users/{segment(user)}/node")
        except NotFound:
            return None
        # v4 answers the node itself; v3 wrapped it as {"node": {...}}.
        node = answer.get("node") if isinstance(answer.get("node"), dict) else answer
        summary = node.get("summary") if isinstance(node, dict) else None
        return summary if isinstance(summary, str) and summary else None
