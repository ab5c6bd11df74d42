"""A chat turn on the fakes: the message is kept, memory reaches the model, the reply is
recorded."""

from __future__ import annotations

import pytest

from hybridmem.application.chat import ChatDone, ChatService
from hybridmem.domain.errors import UpstreamUnavailable
from hybridmem.domain.jobs import JobKind
from hybridmem.domain.messages import Role
from hybridmem.ports.llm import TextDelta
from tests.support.fakes import ScriptedLanguageModel


def chat_service(memory, recall, clock, model, **options) -> ChatService:
    return ChatService(
        recorder=memory.recorder,
        views=memory.views,
        recall=recall,
        model=model,
        clock=clock,
        **options,
    )


async def test_a_turn_records_both_messages_and_answers_from_memory(
    world, memory, recall, worker, clock
):
    model = ScriptedLanguageModel()
    chat = chat_service(memory, recall, clock, model)
    first = await chat.turn("u", "c1", "I live in Delhi and like chess.", message_id="t1")
    assert first.reply.endswith("You said: I live in Delhi and like chess.")
    assert (first.user_message.message_id, first.assistant_message.role) == ("t1", Role.ASSISTANT)
    assert [job.kind for job in world.outbox.jobs()] == [JobKind.EXTRACT]  # the reply is not mined
    await worker.drain()

    second = await chat.turn("u", "c1", "Where do I live?")
    assert second.reply.startswith("I remember: Lives in Delhi.")
    assert next(hit.fact.value for hit in second.recall.facts) == "Delhi"
    system, sent = model.calls[-1]
    assert "Memory (most relevant first):\n- Lives in Delhi" in system
    assert [(m.role, m.content) for m in sent] == [
        (Role.USER, "I live in Delhi and like chess."),
        (Role.ASSISTANT, first.reply),
        (Role.USER, "Where do I live?"),
    ]
    history = await memory.views.history("u", "c1", limit=10, cursor=None)
    assert [m.content for m in history.items] == [
        "I live in Delhi and like chess.",
        first.reply,
        "Where do I live?",
        second.reply,
    ]
    assert (second.input_tokens, second.output_tokens) == (
        len(system.split()),
        len(second.reply.split()),
    )


async def test_a_model_failure_keeps_the_users_message(world, memory, recall, clock):
    model = ScriptedLanguageModel()
    model.fail_with = UpstreamUnavailable("model down", upstream="llm")
    chat = chat_service(memory, recall, clock, model)
    with pytest.raises(UpstreamUnavailable):
        await chat.turn("u", "c1", "I work at Acme.")
    [kept] = (await memory.views.history("u", "c1", limit=10, cursor=None)).items
    assert (kept.role, kept.content) == (Role.USER, "I work at Acme.")
    assert len(world.outbox.jobs(kind=JobKind.EXTRACT)) == 1  # memory is delayed, not lost


async def test_a_streamed_turn_yields_deltas_then_the_recorded_reply(memory, recall, clock):
    chat = chat_service(memory, recall, clock, ScriptedLanguageModel())
    events = [event async for event in await chat.stream("u", "c1", "Hello there, stream please")]
    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    [done] = [event for event in events if isinstance(event, ChatDone)]
    assert events[-1] is done
    assert len(deltas) > 3
    assert "".join(deltas) == done.reply.reply
    assert done.reply.assistant_message.content == done.reply.reply
    assert len(await memory.views.recent("u", "c1", 10)) == 2


async def test_older_turns_that_overflow_the_window_are_dropped(memory, recall, clock):
    model = ScriptedLanguageModel(context_tokens=700)
    chat = chat_service(memory, recall, clock, model, history_messages=10)
    for i in range(4):
        await chat.turn("u", "c1", f"turn {i} " + "word " * 60)
    await chat.turn("u", "c1", "and now?")
    _, sent = model.calls[-1]
    assert sent[-1].content == "and now?"
    assert 1 < len(sent) < 9  # some history fits, not all of it
    assert sent[-2].role is Role.ASSISTANT  # the newest turns are the ones kept


async def test_models_that_call_tools_get_the_memory_tools(world, memory, recall, worker, clock):
    model = ScriptedLanguageModel(supports_tools=True)
    chat = chat_service(memory, recall, clock, model)
    await chat.turn("u", "c1", "I have a dog named Bruno.")
    await worker.drain()
    search_memory, read_earlier_messages = model.tools
    assert "Has a dog named Bruno" in await search_memory("What is my dog called?")
    assert await search_memory("hi") == "nothing found"
    earlier = await read_earlier_messages(count=500)
    assert earlier.splitlines()[0] == "user: I have a dog named Bruno."
    plain = ScriptedLanguageModel()
    await chat_service(memory, recall, clock, plain).turn("u", "c1", "thanks")
    assert plain.tools == []
