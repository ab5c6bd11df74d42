"""OpenAI's chat-completions wire format: the request we accept, the bodies and stream
chunks we answer with (the shapes of the ``openai`` package's ``types.chat``)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from hybridmem.application.chat import ChatDone, ChatReply, ClientConversation
from hybridmem.domain.conversations import ClientTurn, SpeakerRole, Utterance
from hybridmem.domain.errors import HybridMemError
from hybridmem.ports.llm import ChatMessage, TextDelta

#: One message's text (the limit of POST /api/chat's message).
MAX_MESSAGE_CHARS = 100_000
#: The whole conversation's text; below the service's body limit (1 MiB by default), so
#: an oversized conversation gets this clear 400 rather than the body limit's 413.
MAX_CONVERSATION_CHARS = 200_000
MAX_MESSAGES = 1000
_ROLES = ", ".join(role.value for role in SpeakerRole)

MetadataKey = Annotated[str, StringConstraints(max_length=64)]
MetadataValue = Annotated[str, StringConstraints(max_length=512)]


class MessageIn(BaseModel):
    """One message of the conversation (``name``, ``tool_calls``, ``refusal``… are
    accepted and not used)."""

    model_config = ConfigDict(extra="ignore")

    # a plain string, checked below, so an unknown role gets a message saying why
    role: str = Field(
        description=f"One of: {_ROLES}",
        json_schema_extra={"enum": [role.value for role in SpeakerRole]},
    )
    content: str | list[dict[str, Any]] | None = Field(
        default=None, description="Text, or a list of text parts {type: text, text}"
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role not in {r.value for r in SpeakerRole}:
            raise ValueError(
                f"role {role[:40]!r} is not supported (this endpoint calls no tools); use {_ROLES}"
            )
        return role

    @property
    def text(self) -> str:
        """The content as one text (parts joined by new lines)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(str(part["text"]) for part in self.content)

    @model_validator(mode="after")
    def _text_only(self) -> MessageIn:
        if isinstance(self.content, list):
            for part in self.content:
                if part.get("type") not in ("text", "refusal") or not isinstance(
                    part.get("text", part.get("refusal")), str
                ):
                    raise ValueError(
                        "only text content parts {type: text, text: ...} are supported"
                    )
                part.setdefault("text", part.get("refusal"))
        if self.content is None and self.role != SpeakerRole.ASSISTANT:
            raise ValueError(f"a {self.role} message needs content")
        if "\x00" in self.text:
            raise ValueError("content must not contain NUL characters")
        if len(self.text) > MAX_MESSAGE_CHARS:
            raise ValueError(f"a message may have at most {MAX_MESSAGE_CHARS} characters")
        return self


class StreamOptions(BaseModel):
    """OpenAI's stream options."""

    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """A chat completion request. Sampling options (temperature, max_tokens…) and other
    OpenAI fields are accepted and not used: the service's model settings apply."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(
        default="", max_length=256, description="Any name: the configured model answers"
    )
    messages: list[MessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, description="Only 1 is supported")
    metadata: dict[MetadataKey, MetadataValue] | None = Field(
        default=None,
        max_length=16,
        description="metadata.session_id names the session (after the X-Hybridmem-Session header)",
    )
    user: str | None = Field(
        default=None, max_length=256, description="Accepted, not used: the token names the user"
    )

    @model_validator(mode="after")
    def _supported(self) -> ChatCompletionRequest:
        if self.n not in (None, 1):
            raise ValueError("n must be 1: one answer is given per request")
        total = sum(len(message.text) for message in self.messages)
        if total > MAX_CONVERSATION_CHARS:
            raise ValueError(
                f"the conversation has {total} characters; at most "
                f"{MAX_CONVERSATION_CHARS} are accepted"
            )
        return self

    def utterances(self) -> list[Utterance]:
        """The messages, as the domain reads a client-kept conversation."""
        return [Utterance(SpeakerRole(m.role), m.text) for m in self.messages]


def client_conversation(turn: ClientTurn) -> ClientConversation:
    """What the chat service needs of a split conversation besides the new message."""
    return ClientConversation(
        history=[ChatMessage(role=role, content=text) for role, text in turn.history],
        instructions=turn.instructions,
        reply_id=turn.reply_id,
    )


class AssistantMessageOut(BaseModel):
    """The answer."""

    role: Literal["assistant"] = "assistant"
    content: str
    refusal: None = None


class ChoiceOut(BaseModel):
    """The one choice."""

    index: int = 0
    message: AssistantMessageOut
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class UsageOut(BaseModel):
    """Tokens the model reported."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class HybridmemOut(BaseModel):
    """Our extension: where the turn was recorded and how much memory it used."""

    session_id: str
    message_id: str = Field(description="The id of the recorded user message")
    reply_id: str = Field(description="The id of the recorded reply")
    memory_items: int = Field(description="Items of memory added to the prompt")


class ChatCompletionOut(BaseModel):
    """A chat completion (OpenAI's ``ChatCompletion``)."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChoiceOut]
    usage: UsageOut
    system_fingerprint: None = None
    hybridmem: HybridmemOut


class ModelOut(BaseModel):
    """A model (OpenAI's ``Model``)."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "hybridmem"


class ModelListOut(BaseModel):
    """The models (OpenAI's list of ``Model``)."""

    object: Literal["list"] = "list"
    data: list[ModelOut]


def completion_id() -> str:
    """A fresh completion id, in OpenAI's form."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def _usage(reply: ChatReply) -> UsageOut:
    return UsageOut(
        prompt_tokens=reply.input_tokens,
        completion_tokens=reply.output_tokens,
        total_tokens=reply.input_tokens + reply.output_tokens,
    )


def _extension(reply: ChatReply) -> HybridmemOut:
    return HybridmemOut(
        session_id=reply.session_id,
        message_id=reply.user_message.message_id,
        reply_id=reply.assistant_message.message_id,
        memory_items=len(reply.recall.context.used),
    )


def completion_body(reply: ChatReply, model: str) -> ChatCompletionOut:
    """The non-streamed answer."""
    return ChatCompletionOut(
        id=completion_id(),
        created=int(time.time()),
        model=model,
        choices=[ChoiceOut(message=AssistantMessageOut(content=reply.reply))],
        usage=_usage(reply),
        hybridmem=_extension(reply),
    )


def _data(payload: object) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False, default=str)}\n\n".encode()


async def completion_chunks(
    events: AsyncIterator[TextDelta | ChatDone],
    *,
    model: str,
    include_usage: bool,
    error_body: Callable[[HybridMemError], dict[str, Any]],
) -> AsyncIterator[bytes]:
    """The streamed answer as OpenAI's chunks: the role, the model's deltas as they come,
    a final chunk with ``finish_reason: stop`` (and our extension), the usage chunk when
    asked for, then ``[DONE]``. A failure mid-stream is one ``{"error": ...}`` event
    (``error_body(exc)``), which OpenAI's clients raise as an error."""
    base: dict[str, Any] = {
        "id": completion_id(),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _data({**base, "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for event in events:
            if isinstance(event, ChatDone):
                reply = event.reply
                yield chunk({}, "stop", hybridmem=_extension(reply).model_dump())
                if include_usage:
                    yield _data({**base, "choices": [], "usage": _usage(reply).model_dump()})
            elif event.text:
                yield chunk({"content": event.text})
    except HybridMemError as exc:
        yield _data(error_body(exc))
        return
    yield b"data: [DONE]\n\n"


#: The OpenAPI description of the streamed answer.
STREAM_DESCRIPTION = (
    "The completion (JSON), or with stream=true server-sent `data:` lines: "
    "chat.completion.chunk objects (the role, the text deltas, a last one with "
    "finish_reason stop), a usage chunk when stream_options.include_usage is set, then "
    '`data: [DONE]`; a failure mid-stream is one `data: {"error": ...}` line instead.'
)
