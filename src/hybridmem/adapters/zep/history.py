"""Chat history in Zep threads: one thread per (user, session).

v4 threads have no client-chosen id: a thread is created for a user UUID and Zep gives it
a UUID, which we remember next to our session id in ``ProviderLinks``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from hybridmem.adapters.zep.client import (
    MAX_PAGE_SIZE,
    MAX_SEARCH_PAGE,
    UPSTREAM,
    Json,
    ZepClient,
    derived_key,
    items_of,
    next_cursor_of,
    segment,
)
from hybridmem.adapters.zep.users import PROVIDER, ZepUsers
from hybridmem.adapters.zep.wire import (
    ZEP_ROLES,
    log_task,
    message_payload,
    result_score,
    sent_message,
    stored_message_id,
    stored_session_id,
    to_message,
)
from hybridmem.domain.errors import InvalidInput, NotFound, UpstreamUnavailable
from hybridmem.domain.messages import Message, NewMessage
from hybridmem.domain.pagination import CursorShape, Page, decode_cursor, encode_cursor
from hybridmem.domain.retrieval import ScoredMessage
from hybridmem.ports.providers import ProviderLinks

log = logging.getLogger(__name__)

THREAD_LINK = "thread"

# Aliases: inside the class, ``list`` names the ChatHistory method.
Items = list[Json]
Messages = list[Message]
Pending = list[NewMessage]
Hits = list[ScoredMessage]
#: A session-scoped search filters here (see ``search``): fetch more, keep the session's.
SESSION_OVERFETCH = 3
#: Zep's add-messages endpoint has taken at most 30 messages per call (v2/v3 reference);
#: larger appends are split into batches of this size.
DEFAULT_BATCH_SIZE = 30
#: How many of the thread's latest messages are checked for ids being appended again.
DEFAULT_DEDUPE_WINDOW = 20
#: Our cursor wraps the one Zep gave for the next page.
_CURSOR: CursorShape = (str,)


class ZepChatHistory:
    """``ChatHistory`` (and ``MessageMirror``) on Zep threads.

    Endpoints: ``POST threads`` (create), ``POST threads/{uuid}/messages`` (add, 202 with
    a task), ``GET threads/{uuid}/messages`` (cursor pages, ``order`` asc|desc),
    ``POST graphs/{user_uuid}/search/episodes`` (search), plus the user resolution of
    :class:`ZepUsers`.

    Appends are idempotent by message id twice over: each batch's idempotency key is
    derived from its message ids (a retried delivery replays instead of adding again),
    and ids already among the thread's latest ``dedupe_window`` messages are not sent
    again (covers retries after Zep forgot the key). ``ignore_roles`` are stored but
    kept out of Zep's graph extraction.
    """

    def __init__(
        self,
        client: ZepClient,
        links: ProviderLinks,
        *,
        ignore_roles: Iterable[str] = (),
        batch_size: int = DEFAULT_BATCH_SIZE,
        dedupe_window: int = DEFAULT_DEDUPE_WINDOW,
    ) -> None:
        roles = [str(role) for role in ignore_roles]
        unknown = sorted(set(roles) - ZEP_ROLES)
        if unknown:
            raise InvalidInput(f"unknown Zep roles to ignore: {', '.join(unknown)}")
        if batch_size < 1:
            raise InvalidInput("batch_size must be at least 1")
        self._client = client
        self._links = links
        self._users = ZepUsers(client, links)
        self._ignore_roles = list(dict.fromkeys(roles))
        self._batch_size = batch_size
        self._dedupe_window = max(0, min(dedupe_window, MAX_PAGE_SIZE))

    async def append(
        self, user_id: str, session_id: str, messages: Sequence[NewMessage]
    ) -> Messages:
        """Add messages to the session's thread (user and thread created on first use)."""
        unique = list({message.message_id: message for message in reversed(messages)}.values())
        unique.reverse()  # first occurrence wins, input order kept
        if not unique:
            return []
        try:
            return await self._append(user_id, session_id, unique, stale=None)
        except NotFound as exc:
            # A remembered user or thread was deleted at Zep (e.g. in its dashboard):
            # resolve both again, once, instead of failing every retry.
            stale = await self._thread_of(user_id, session_id)
            log.warning("zep thread of a session vanished; creating it again (%s)", exc)
            return await self._append(user_id, session_id, unique, stale=stale or "gone")

    async def list(
        self, user_id: str, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[Message]:
        """A page of the session's messages, oldest first (empty for an unknown session)."""
        (after,) = decode_cursor(cursor, *_CURSOR) if cursor else (None,)
        thread = await self._thread_of(user_id, session_id)
        if thread is None or limit < 1:
            return Page(items=[], next_cursor=None)
        try:
            items, zep_cursor = await self._read(thread, limit=limit, order="asc", cursor=after)
        except NotFound:
            return Page(items=[], next_cursor=None)
        received = datetime.now(UTC)
        return Page(
            items=[self._message(item, user_id, session_id, received) for item in items],
            next_cursor=encode_cursor(zep_cursor) if zep_cursor else None,
        )

    async def recent(self, user_id: str, session_id: str, limit: int) -> Messages:
        """The last ``limit`` messages, oldest first (empty for an unknown session)."""
        thread = await self._thread_of(user_id, session_id)
        if thread is None or limit < 1:
            return []
        try:
            items, _ = await self._read(thread, limit=limit, order="desc", cursor=None)
        except NotFound:
            return []
        received = datetime.now(UTC)
        return [self._message(item, user_id, session_id, received) for item in reversed(items)]

    async def search(
        self, user_id: str, query: str, *, limit: int, session_id: str | None = None
    ) -> Hits:
        """Zep's episode search over the user's graph (each thread message is a message
        episode), best first, mapped back to our messages through the ids we put in
        their metadata; hits without them (business data, messages written by others)
        are left out. A session is filtered here: the v4 metadata filter's shape is not
        among the SDK's recorded requests, so it is not guessed at."""
        text = query.strip()
        if not text or limit < 1:
            return []
        if session_id is not None and await self._thread_of(user_id, session_id) is None:
            return []  # a session Zep never received
        graph = await self._users.known(user_id)
        if graph is None:
            return []
        page_size = limit if session_id is None else limit * SESSION_OVERFETCH
        try:
            answer = await self._client.read(
                f"graphs/{segment(graph)}/search/episodes",
                {"query": text},
                params={"page_size": min(page_size, MAX_SEARCH_PAGE)},
            )
        except NotFound:
            return []
        received = datetime.now(UTC)
        hits: Hits = []
        for rank, episode in enumerate(items_of(answer, "episodes")):
            session = stored_session_id(episode)
            if stored_message_id(episode) is None or session is None:
                continue
            if session_id is not None and session != session_id:
                continue
            message = self._message(episode, user_id, session, received)
            hits.append(ScoredMessage(message=message, score=result_score(episode, rank)))
        return hits[:limit]

    async def _thread_of(self, user_id: str, session_id: str) -> str | None:
        return await self._links.get(PROVIDER, THREAD_LINK, user_id, session_id)

    async def _append(
        self, user_id: str, session_id: str, messages: Pending, *, stale: str | None
    ) -> Messages:
        user_uuid = await self._users.ensure(user_id, stale=stale)
        thread, existed = await self._thread(user_id, session_id, user_uuid, stale=stale)
        stored: dict[str, Message] = {}
        if existed and self._dedupe_window:
            stored = await self._already_stored(thread, user_id, session_id, messages)
        pending = [message for message in messages if message.message_id not in stored]
        for start in range(0, len(pending), self._batch_size):
            batch = pending[start : start + self._batch_size]
            stored.update(await self._add_batch(thread, user_id, session_id, batch))
        return [stored[message.message_id] for message in messages]

    async def _thread(
        self, user_id: str, session_id: str, user_uuid: str, *, stale: str | None
    ) -> tuple[str, bool]:
        """The session's thread UUID and whether it existed before this call."""
        if stale is None:
            known = await self._thread_of(user_id, session_id)
            if known is not None:
                return known, True
        # The key ties the creation to (user, session): a retry after a lost answer gets
        # the same thread back instead of a second one.
        parts = ["thread.create", user_uuid, session_id] + ([stale] if stale else [])
        created = await self._client.write(
            "POST", "threads", {"user_uuid": user_uuid}, key=derived_key(*parts)
        )
        thread = created.get("uuid")
        if not isinstance(thread, str) or not thread:
            raise UpstreamUnavailable("zep created a thread without a uuid", upstream=UPSTREAM)
        await self._links.put(PROVIDER, THREAD_LINK, user_id, session_id, thread)
        return thread, False

    async def _already_stored(
        self, thread: str, user_id: str, session_id: str, messages: Pending
    ) -> dict[str, Message]:
        wanted = {message.message_id for message in messages}
        window = min(MAX_PAGE_SIZE, max(self._dedupe_window, len(messages)))
        items, _ = await self._read(thread, limit=window, order="desc", cursor=None)
        received = datetime.now(UTC)
        return {
            message_id: self._message(item, user_id, session_id, received)
            for item in items
            if (message_id := stored_message_id(item)) in wanted
        }

    async def _add_batch(
        self, thread: str, user_id: str, session_id: str, batch: Pending
    ) -> dict[str, Message]:
        body: Json = {
            "messages": [message_payload(message, session_id=session_id) for message in batch]
        }
        if self._ignore_roles:
            body["ignore_roles"] = self._ignore_roles
        key = derived_key("thread.messages", thread, *(m.message_id for m in batch))
        answer = await self._client.write(
            "POST", f"threads/{segment(thread)}/messages", body, key=key
        )
        log_task(answer, what=f"{len(batch)} message(s)")
        received = datetime.now(UTC)
        echoed = {
            message_id: item
            for item in items_of(answer, "messages")
            if (message_id := stored_message_id(item)) is not None
        }
        return {
            message.message_id: (
                self._message(echoed[message.message_id], user_id, session_id, received)
                if message.message_id in echoed
                else sent_message(
                    message, user_id=user_id, session_id=session_id, received_at=received
                )
            )
            for message in batch
        }

    async def _read(
        self, thread: str, *, limit: int, order: str, cursor: str | None
    ) -> tuple[Items, str | None]:
        """Up to ``limit`` messages from ``cursor`` on (several Zep pages when larger
        than a page), and Zep's cursor after the last one returned."""
        items: Items = []
        while len(items) < limit:
            params: dict[str, Any] = {
                "page_size": min(limit - len(items), MAX_PAGE_SIZE),
                "order": order,
            }
            if cursor is not None:
                params["cursor"] = cursor
            page = await self._client.get(f"threads/{segment(thread)}/messages", params=params)
            got = items_of(page)
            items.extend(got)
            cursor = next_cursor_of(page)
            if cursor is None or not got:
                break
        return items[:limit], cursor

    @staticmethod
    def _message(item: Json, user_id: str, session_id: str, received: datetime) -> Message:
        return to_message(item, user_id=user_id, session_id=session_id, received_at=received)
