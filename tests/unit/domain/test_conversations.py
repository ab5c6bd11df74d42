"""Client-kept conversations: what is new, what is context, and ids stable under resends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.domain.conversations import SpeakerRole, Utterance, split_conversation
from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.messages import Role

S, D, U, A = SpeakerRole.SYSTEM, SpeakerRole.DEVELOPER, SpeakerRole.USER, SpeakerRole.ASSISTANT


def talk(*pairs: tuple[SpeakerRole, str]) -> list[Utterance]:
    return [Utterance(role, text) for role, text in pairs]


def test_the_last_user_message_is_new_and_the_rest_is_context() -> None:
    turn = split_conversation(
        "s1",
        talk((S, "Be brief."), (U, "I like tea"), (A, "Noted."), (D, "No emoji."), (U, "And you?")),
    )
    assert turn.message == "And you?"
    assert turn.instructions == "Be brief.\n\nNo emoji."
    assert turn.history == ((Role.USER, "I like tea"), (Role.ASSISTANT, "Noted."))
    assert ID_PATTERN.fullmatch(turn.message_id)
    assert ID_PATTERN.fullmatch(turn.reply_id)
    assert turn.reply_id != turn.message_id


def test_a_resent_conversation_gets_the_same_ids_and_system_messages_do_not_count() -> None:
    first = split_conversation("s1", talk((U, "hi")))
    again = split_conversation("s1", talk((S, "Today is Monday."), (U, "hi")))
    assert (again.message_id, again.reply_id) == (first.message_id, first.reply_id)


def test_another_session_or_an_edited_history_gives_new_ids() -> None:
    base = split_conversation("s1", talk((U, "a"), (A, "b"), (U, "c")))
    assert split_conversation("s2", talk((U, "a"), (A, "b"), (U, "c"))).message_id != (
        base.message_id
    )
    assert split_conversation("s1", talk((U, "a"), (A, "B"), (U, "c"))).message_id != (
        base.message_id
    )
    assert split_conversation("s1", talk((U, "c"))).message_id != base.message_id


@given(
    st.lists(st.tuples(st.sampled_from([U, A]), st.text(min_size=1, max_size=20)), max_size=6),
    st.text(min_size=1, max_size=20).filter(str.strip),
)
def test_every_prefix_has_its_own_id(history: list[tuple[SpeakerRole, str]], last: str) -> None:
    conversation = [*talk(*history), Utterance(U, last)]
    turn = split_conversation("s", conversation)
    assert turn == split_conversation("s", list(conversation))
    assert turn.message == last
    longer = split_conversation("s", [*conversation, Utterance(A, "x"), Utterance(U, last)])
    assert longer.message_id != turn.message_id


@pytest.mark.parametrize(
    ("conversation", "fragment"),
    [
        (talk((S, "Be brief.")), "must contain a user message"),
        (talk((U, "hi"), (A, "hello")), "last message must be the user's"),
        (talk((U, "hi"), (S, "late instructions")), "last message must be the user's"),
        (talk((U, "   ")), "empty"),
    ],
)
def test_refused_conversations_say_why(conversation: list[Utterance], fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        split_conversation("s", conversation)
