"""A chat turn: remember the message, recall memory, ask the model, remember the answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from hybridmem.application.prompts import ChatPrompt, build_prompt
from hybridmem.application.recall import Recall, RecallService
from hybridmem.application.recording import IncomingMessage, MessageRecorder
from hybridmem.application.views import MemoryViews
from hybridmem.domain.messages import Message, Role
from hybridmem.domain.recall import ItemRef, approximate_tokens
from hybridmem.domain.replies import (
    DEGENERATE_KEY,
    HONEST_FALLBACK,
    check_reply,
    is_degenerate_message,
)
from hybridmem.domain.stores import Store
from hybridmem.ports.limits import RateLimiter
from hybridmem.ports.llm import ChatMessage, Completion, LanguageModel, TextDelta, Tool
from hybridmem.ports.system import Clock

DEFAULT_PERSONA = (
    "You are a helpful assistant with long-term memory of this user. Use the memory below "
    "when it is relevant, say so when you do not know, and never invent facts about the user."
)


@dataclass(frozen=True, slots=True)
class ChatReply:
    """One answered turn."""

    session_id: str
    reply: str
    user_message: Message
    assistant_message: Message
    recall: Recall
    input_tokens: int
    output_tokens: int
    memory_ms: float
    model_ms: float
    total_ms: float
    degenerate: str | None = None  # why the model's reply was replaced, if it was
    cut: bool = False  # the model's reply was cut where it started to loop


@dataclass(frozen=True, slots=True)
class ClientConversation:
    """A conversation the client keeps and resends (OpenAI-style chat): its earlier turns
    and system messages are the prompt's history and instructions instead of the stored
    session's, and are never recorded; ``reply_id`` makes storing the reply idempotent,
    as the message's id does for the message."""

    history: Sequence[ChatMessage]
    instructions: str = ""
    reply_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChatDone:
    """The last event of a streamed turn (the same data as a ``ChatReply``)."""

    reply: ChatReply


class ChatService:
    """Runs chat turns: record, recall, ask the model, check and record the answer."""

    def __init__(
        self,
        *,
        recorder: MessageRecorder,
        views: MemoryViews,
        recall: RecallService,
        model: LanguageModel,
        clock: Clock,
        persona: str = DEFAULT_PERSONA,
        history_messages: int = 6,
        reply_reserve_tokens: int = 512,
        rate_limiter: RateLimiter | None = None,
        turns_per_minute: int = 0,
    ) -> None:
        self._recorder = recorder
        self._views = views
        self._recall = recall
        self._model = model
        self._clock = clock
        self._persona = persona
        self._history_messages = history_messages
        self._reply_reserve = reply_reserve_tokens
        self._rate_limiter = rate_limiter
        self._turns_per_minute = turns_per_minute

    async def _prepare(
        self,
        user_id: str,
        session_id: str,
        text: str,
        message_id: str | None,
        name: str | None,
        client: ClientConversation | None,
    ) -> tuple[Message, Recall, ChatPrompt, list[ChatMessage], float]:
        if self._rate_limiter is not None and self._turns_per_minute > 0:
            await self._rate_limiter.hit(
                user_id, "chat", limit=self._turns_per_minute, window=timedelta(minutes=1)
            )
        # The user's message is committed (with its extraction job) before the model is
        # asked, so a model failure never loses it.
        [stored] = await self._recorder.add_messages(
            user_id,
            session_id,
            [IncomingMessage(role=Role.USER, content=text, message_id=message_id, name=name)],
        )
        started = time.perf_counter()
        if client is None:
            recall, recent = await asyncio.gather(
                self._recall.recall(user_id, text),
                self._views.recent(user_id, session_id, self._history_messages + 1),
            )
            # A replaced (degenerate) reply is never shown to the model again.
            history = [
                ChatMessage(role=m.role, content=m.content)
                for m in recent
                if m.message_id != stored.message_id
                and m.role in (Role.USER, Role.ASSISTANT)
                and not is_degenerate_message(m.metadata)
            ]
        else:
            recall, history = await self._recall.recall(user_id, text), list(client.history)
        memory_ms = (time.perf_counter() - started) * 1000
        prompt = build_prompt(
            self._model.info.prompt_style,
            persona=self._persona,
            context=recall.context,
            question=text,
            question_item=ItemRef(Store.HISTORY, stored.message_id),
            instructions=client.instructions if client else "",
        )
        return stored, recall, prompt, self._fit(prompt, history), memory_ms

    def _fit(self, prompt: ChatPrompt, history: Sequence[ChatMessage]) -> list[ChatMessage]:
        """Keep the newest history that fits the model's window; never fail on length."""
        budget = self._model.info.context_tokens - self._reply_reserve
        budget -= approximate_tokens(prompt.system)
        for fixed in (*prompt.examples, prompt.message):
            budget -= approximate_tokens(fixed.content) + 4
        kept: list[ChatMessage] = []
        for past in reversed(history):
            cost = approximate_tokens(past.content) + 4
            if cost > budget:
                break
            kept.append(past)
            budget -= cost
        return [*prompt.examples, *reversed(kept), prompt.message]

    def _tools(self, user_id: str, session_id: str) -> list[Tool]:
        if not self._model.info.supports_tools:
            return []
        views, recall = self._views, self._recall

        async def search_memory(query: str) -> str:
            """Search everything remembered about the user (facts, the memory graph with
            what no longer holds, and past messages). Returns one item per line."""
            found = await recall.recall(user_id, query)
            return found.context.text or "nothing found"

        async def read_earlier_messages(count: int = 10) -> str:
            """Read the last `count` messages of this conversation (at most 50)."""
            messages = await views.recent(user_id, session_id, max(1, min(count, 50)))
            return "\n".join(
                f"{m.role.value}: {m.content}"
                for m in messages
                if not is_degenerate_message(m.metadata)
            )

        return [search_memory, read_earlier_messages]

    async def turn(
        self,
        user_id: str,
        session_id: str,
        text: str,
        *,
        message_id: str | None = None,
        name: str | None = None,
        client: ClientConversation | None = None,
    ) -> ChatReply:
        """Answer one message (``client``: the conversation a client keeps, if it does)."""
        started = time.perf_counter()
        stored, recall, prompt, conversation, memory_ms = await self._prepare(
            user_id, session_id, text, message_id, name, client
        )
        model_started = time.perf_counter()
        completion = await self._model.complete(
            prompt.system, conversation, tools=self._tools(user_id, session_id)
        )
        model_ms = (time.perf_counter() - model_started) * 1000
        return await self._finish(
            user_id,
            session_id,
            stored,
            recall,
            (prompt, conversation),
            completion,
            (memory_ms, model_ms, started),
            client.reply_id if client else None,
        )

    async def stream(
        self,
        user_id: str,
        session_id: str,
        text: str,
        *,
        message_id: str | None = None,
        name: str | None = None,
        client: ClientConversation | None = None,
    ) -> AsyncIterator[TextDelta | ChatDone]:
        """Answer one message as text deltas, then a ``ChatDone``.

        The preparation (storing the message, recall) happens before the first event, so
        errors there surface before any byte is streamed.
        """
        started = time.perf_counter()
        stored, recall, prompt, conversation, memory_ms = await self._prepare(
            user_id, session_id, text, message_id, name, client
        )
        tools = self._tools(user_id, session_id)

        async def events() -> AsyncIterator[TextDelta | ChatDone]:
            model_started = time.perf_counter()
            completion: Completion | None = None
            async for event in self._model.stream(prompt.system, conversation, tools=tools):
                if isinstance(event, TextDelta):
                    yield event
                else:
                    completion = event
            assert completion is not None, "a model stream ends with a completion"
            model_ms = (time.perf_counter() - model_started) * 1000
            yield ChatDone(
                await self._finish(
                    user_id,
                    session_id,
                    stored,
                    recall,
                    (prompt, conversation),
                    completion,
                    (memory_ms, model_ms, started),
                    client.reply_id if client else None,
                )
            )

        return events()

    async def _finish(
        self,
        user_id: str,
        session_id: str,
        stored: Message,
        recall: Recall,
        sent: tuple[ChatPrompt, Sequence[ChatMessage]],
        completion: Completion,
        times: tuple[float, float, float],
        reply_id: str | None = None,
    ) -> ChatReply:
        """Check the reply (cut a loop; replace a degenerate one and mark it, so it is
        never memory nor prompt history), store it, and account for the turn."""
        memory_ms, model_ms, started = times
        prompt, conversation = sent
        history = conversation[len(prompt.examples) : -1]
        seen = "\n".join([prompt.memory_text, *(m.content for m in history)])
        check = check_reply(
            completion.text,
            question=stored.content,
            memory=seen,
            example_terms=prompt.example_terms,
        )
        metadata: dict[str, object] = {}
        reply = completion.text
        if check.degenerate:
            assert check.problem is not None
            reply = HONEST_FALLBACK
            metadata[DEGENERATE_KEY] = check.problem.value
        elif check.cut:
            reply = check.text
        [answer] = await self._recorder.add_messages(
            user_id,
            session_id,
            [
                IncomingMessage(
                    role=Role.ASSISTANT, content=reply, message_id=reply_id, metadata=metadata
                )
            ],
        )
        return ChatReply(
            session_id=session_id,
            reply=reply,
            user_message=stored,
            assistant_message=answer,
            recall=recall,
            input_tokens=completion.input_tokens,
            output_tokens=completion.output_tokens,
            memory_ms=round(memory_ms, 2),
            model_ms=round(model_ms, 2),
            total_ms=round((time.perf_counter() - started) * 1000, 2),
            degenerate=check.problem.value if check.problem else None,
            cut=check.cut,
        )
