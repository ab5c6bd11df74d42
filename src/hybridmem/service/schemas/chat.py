"""Bodies of the chat route."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field

from hybridmem.application.chat import ChatReply
from hybridmem.service.schemas.base import StrictModel
from hybridmem.service.schemas.fields import ClientId, Content
from hybridmem.service.schemas.memory import FactOut, RecallItemOut, RelationOut


class ChatRequest(StrictModel):
    """One chat message (the seed's body, plus options)."""

    session_id: ClientId
    message: Content
    user_id: ClientId | None = Field(
        default=None, description="Accepted for compatibility; must be the caller's own id"
    )
    message_id: ClientId | None = Field(
        default=None, description="Your id for the message; a retry with it is not stored twice"
    )
    stream: bool = Field(
        default=False, description="Answer as server-sent events (also: Accept: text/event-stream)"
    )


class MemoryUsed(BaseModel):
    """What memory contributed to the answer."""

    facts_used: list[FactOut]
    relations_used: list[RelationOut]
    items: list[RecallItemOut] = Field(description="Everything recalled, in prompt order")
    sources_skipped: list[str]


class Usage(BaseModel):
    """Tokens the model reported."""

    input_tokens: int
    output_tokens: int


class Timings(BaseModel):
    """Where the time went (also in the Server-Timing header)."""

    memory_ms: float
    model_ms: float
    total_ms: float


class ReplyQuality(BaseModel):
    """What the service did to the model's raw reply (small local models loop or drift)."""

    replaced: str | None = Field(
        description="Why the model's reply was replaced by a short honest answer "
        "(e.g. `boilerplate`, `empty`, `loop`), or null when it was kept"
    )
    cut: bool = Field(description="The reply was cut where the model started to repeat itself")


class ChatOut(BaseModel):
    """The answer to one chat message."""

    session_id: str
    reply: str
    message_id: str
    reply_message_id: str
    memory: MemoryUsed
    usage: Usage
    timings: Timings
    quality: ReplyQuality

    @classmethod
    def of(cls, reply: ChatReply) -> Self:
        """Convert from the application type."""
        recall = reply.recall
        return cls(
            session_id=reply.session_id,
            reply=reply.reply,
            message_id=reply.user_message.message_id,
            reply_message_id=reply.assistant_message.message_id,
            memory=MemoryUsed(
                facts_used=[FactOut.of(f.fact) for f in recall.facts],
                relations_used=[RelationOut.of(r.relation) for r in recall.relations],
                items=[RecallItemOut.of(item) for item in recall.items],
                sources_skipped=[store.value for store in recall.sources_skipped],
            ),
            usage=Usage(input_tokens=reply.input_tokens, output_tokens=reply.output_tokens),
            timings=Timings(
                memory_ms=reply.memory_ms, model_ms=reply.model_ms, total_ms=reply.total_ms
            ),
            quality=ReplyQuality(replaced=reply.degenerate, cut=reply.cut),
        )
