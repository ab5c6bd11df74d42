"""A conversation the client keeps and resends whole on every call (OpenAI-style chat).

Only the client's last message is new: it is split from the instructions (system
messages) and the earlier turns, and it gets an id derived from the session and the
whole conversation up to it, so the same conversation sent again yields the same id and
the recorder's idempotency by message id records it once (pure functions).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.messages import Role

#: Ids of recorded turns start with this, so they are told from ids a client chose.
ID_PREFIX = "conv-"
REPLY_SUFFIX = ".reply"


class SpeakerRole(StrEnum):
    """The roles a client-kept conversation may hold (``developer`` is OpenAI's newer
    name for ``system``)."""

    SYSTEM = "system"
    DEVELOPER = "developer"
    USER = "user"
    ASSISTANT = "assistant"


_INSTRUCTION_ROLES = (SpeakerRole.SYSTEM, SpeakerRole.DEVELOPER)


@dataclass(frozen=True, slots=True)
class Utterance:
    """One message of a client-kept conversation, its content as text."""

    role: SpeakerRole
    content: str


@dataclass(frozen=True, slots=True)
class ClientTurn:
    """A client-kept conversation split for one turn."""

    instructions: str  # the system and developer messages, in order (prompt only)
    history: tuple[tuple[Role, str], ...]  # earlier user/assistant turns (prompt only)
    message: str  # the new user message
    message_id: str  # its id: the same for the same session and conversation
    reply_id: str  # the id of the reply to it


def conversation_id(session_id: str, turns: Sequence[tuple[Role, str]]) -> str:
    """A stable message id for the last of ``turns`` in ``session_id`` (a digest of both,
    so a resend gives the same id and an edited or different conversation another)."""
    canonical = json.dumps(
        [session_id, [[role.value, text] for role, text in turns]],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return ID_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def split_conversation(session_id: str, utterances: Sequence[Utterance]) -> ClientTurn:
    """Split a conversation whose last message is the user's new one.

    InvalidInput when there is no message, when the last one (instructions aside) is not
    the user's, or when that message is blank.
    """
    instructions = [u.content for u in utterances if u.role in _INSTRUCTION_ROLES]
    turns = [
        (Role.USER if u.role is SpeakerRole.USER else Role.ASSISTANT, u.content)
        for u in utterances
        if u.role not in _INSTRUCTION_ROLES
    ]
    if not turns:
        raise InvalidInput("messages must contain a user message", details={"field": "messages"})
    if utterances[-1].role is not SpeakerRole.USER:
        raise InvalidInput(
            f"the last message must be the user's, not {utterances[-1].role.value!r}: "
            "this endpoint answers the user's newest message",
            details={"field": "messages"},
        )
    _, message = turns[-1]
    if not message.strip():
        raise InvalidInput("the last user message is empty", details={"field": "messages"})
    message_id = conversation_id(session_id, turns)
    return ClientTurn(
        instructions="\n\n".join(text for text in instructions if text.strip()),
        # empty assistant turns (a tool call's placeholder, say) carry nothing for the prompt
        history=tuple((r, text) for r, text in turns[:-1] if text.strip()),
        message=message,
        message_id=message_id,
        reply_id=message_id + REPLY_SUFFIX,
    )
