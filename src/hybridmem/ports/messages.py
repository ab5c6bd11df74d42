"""Chat history and the journal that records turns together with their jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from hybridmem.domain.jobs import NewJob
from hybridmem.domain.messages import Message, NewMessage
from hybridmem.domain.pagination import Page
from hybridmem.domain.retrieval import ScoredMessage


class ChatHistory(Protocol):
    """Messages of a session, oldest first.

    Contract:
    - ``append`` is idempotent by ``message_id``: appending a message again changes
      nothing and returns the stored one. Appending to an unknown session creates it; to a
      soft-deleted one restores it (without its deleted messages).
    - ``list`` is chronological and complete, with keyset cursors; a writer reads its own
      writes immediately.
    - ``recent`` returns the last ``limit`` messages, oldest first.
    - Another user's session reads as empty, never as someone else's messages.
    """

    async def append(
        self, user_id: str, session_id: str, messages: Sequence[NewMessage]
    ) -> Sequence[Message]:
        """Store messages in order."""
        ...

    async def list(
        self, user_id: str, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[Message]:
        """A page of the session's messages, oldest first."""
        ...

    async def recent(self, user_id: str, session_id: str, limit: int) -> Sequence[Message]:
        """The last messages of the session, oldest first."""
        ...

    async def search(
        self, user_id: str, query: str, *, limit: int, session_id: str | None = None
    ) -> Sequence[ScoredMessage]:
        """The user's live messages best matching ``query`` (all sessions unless one is
        named), best first."""
        ...


class MessageContext(Protocol):
    """The messages around given ones, for recall's context units.

    Contract: ``around`` maps each of the user's live messages among ``message_ids`` to
    the live messages of its session from ``before`` messages ahead of it to ``after``
    behind it, in session order, the message itself included; ids of missing, deleted or
    other users' messages are absent from the result.
    """

    async def around(
        self, user_id: str, message_ids: Sequence[str], *, before: int, after: int
    ) -> Mapping[str, Sequence[Message]]:
        """Each message's window of its session."""
        ...


class MessageLookup(Protocol):
    """One message by id (where a fact came from: its provenance).

    Contract: ``get`` returns the user's live message with that id; a missing, deleted
    (or in a deleted session) or another user's message raises ``NotFound``, and these
    cases are indistinguishable.
    """

    async def get(self, user_id: str, message_id: str) -> Message:
        """The message, or ``NotFound``."""
        ...


class MessageJournal(Protocol):
    """The system of record: messages and the jobs they cause commit together.

    Contract: ``record`` either stores every message and enqueues every job, or nothing;
    both are idempotent (by message id and by job idempotency key), so a client retry
    never duplicates a message or a memory write.
    """

    async def record(
        self,
        user_id: str,
        session_id: str,
        messages: Sequence[NewMessage],
        jobs: Sequence[NewJob],
    ) -> Sequence[Message]:
        """Store the messages and enqueue the jobs in one transaction."""
        ...


class MessageMirror(Protocol):
    """A provider that keeps a copy of the chat history (Zep threads).

    Contract: ``append`` is idempotent by message id (a retried delivery is applied once)
    and creates whatever the provider needs (user, thread) on first use.
    """

    async def append(
        self, user_id: str, session_id: str, messages: Sequence[NewMessage]
    ) -> Sequence[Message]:
        """Copy messages to the provider."""
        ...


class MessageIndex(Protocol):
    """Makes messages findable by meaning (an embedding per message), when configured.

    Contract: ``index`` is idempotent and does nothing when semantic search is off.
    """

    async def index(self, user_id: str, messages: Sequence[tuple[str, str]]) -> None:
        """Index ``(message_id, text)`` pairs."""
        ...
