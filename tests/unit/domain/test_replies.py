"""Degenerate replies: loops cut, nothing/boilerplate/echo/gibberish replaced."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from hybridmem.domain.messages import Message, Role
from hybridmem.domain.replies import (
    DEGENERATE_KEY,
    Degeneracy,
    check_reply,
    cut_loops,
    is_degenerate_message,
    is_memory_source,
)

EXAMPLE = ("Oslo", "Tom")


def check(reply: str, question: str = "Where do I live?", memory: str = "You live in Delhi."):
    return check_reply(reply, question=question, memory=memory, example_terms=EXAMPLE)


def test_a_plain_answer_passes_untouched() -> None:
    verdict = check("You live in Delhi.")
    assert verdict.problem is None
    assert not verdict.cut
    assert verdict.text == "You live in Delhi."


def test_a_repeated_sentence_is_cut_where_it_repeats() -> None:
    verdict = check("I'm not sure. I'm not sure. I'm not sure.")
    assert verdict.problem is None
    assert verdict.cut
    assert verdict.text == "I'm not sure."


def test_a_repeated_unit_is_cut() -> None:
    # measured: SmolLM2 answering "What's my spouse's name?" at the server's defaults
    looping = "A: 111111111111111111111111111111111\nA: 111111111111111111111111111111111"
    assert cut_loops(looping) == "A: 1"
    assert cut_loops("hahahahahahahahaha, nice") == "ha"


def test_emphasis_is_not_a_loop() -> None:
    assert cut_loops("Wow!!!! That is great....") == "Wow!!!! That is great...."


def test_nothing_is_empty() -> None:
    assert check("").problem is Degeneracy.EMPTY
    assert check("  \n ... ").problem is Degeneracy.EMPTY


def test_boilerplate_is_replaced() -> None:
    for reply in (
        "I'm an AI designed to assist with your needs, not a teacher.",
        "As an AI language model, I cannot know where you live.",
        "You're an AI assistant for text re-writing. Rewrite the input text to be concise.",
        "This is a fictional story about a girl who lives in a forest.",
        "You're a creative AI, and I'm here to help you.",
    ):
        assert check(reply).problem is Degeneracy.BOILERPLATE, reply


def test_boilerplate_words_the_user_asked_about_are_fine() -> None:
    story = "Once upon a time a cat lived in a fictional story book."
    assert check(story, question="Tell me a short story about a cat.").problem is None
    assert check("I am an AI, yes.", question="Are you an AI?").problem is None
    about_me = "I'm an AI assistant designed to help you remember things."
    assert check(about_me, question="What can you do?").problem is None
    assert check(about_me, question="Who are you?").problem is None
    assert check(about_me, question="Where do I work?").problem is Degeneracy.BOILERPLATE


def test_the_worked_example_echoed_is_replaced_unless_it_is_true() -> None:
    assert check("You live in Oslo.").problem is Degeneracy.EXAMPLE_ECHO
    assert check("Your cat is called Tom.").problem is Degeneracy.EXAMPLE_ECHO
    assert check("You live in Oslo.", memory="You live in Oslo.").problem is None
    assert check("Oslo is lovely.", question="Is Oslo nice?").problem is None


def test_another_script_than_the_question_is_gibberish() -> None:
    garbage = "トードライフラシア,トードライフラジアレクトラシス,トードライフラジア"
    assert check(garbage, question="Do I have a brother?").problem is Degeneracy.GIBBERISH
    # a question in that script may get an answer in it
    assert check(garbage, question="トードライフラシアについて教えてください").problem is None


def test_stored_replacements_are_no_memory_source() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)

    def message(metadata: dict[str, object]) -> Message:
        return Message("m", "u", "s", Role.ASSISTANT, "x", None, now, now, metadata)

    assert is_degenerate_message({DEGENERATE_KEY: "loop"})
    assert not is_memory_source(message({DEGENERATE_KEY: "boilerplate"}))
    assert is_memory_source(message({}))
    assert is_memory_source(message({"source": "import"}))


_WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8),
    min_size=2,
    max_size=12,
    unique=True,
)


@given(_WORDS)
def test_a_sentence_of_distinct_words_is_never_cut_or_replaced(words: list[str]) -> None:
    reply = "You " + " ".join(words) + "."
    verdict = check_reply(reply, question="What do I like?", memory="")
    assert verdict.problem is None or verdict.problem is Degeneracy.BOILERPLATE
    assert not verdict.cut
    assert verdict.text == reply


@given(st.text(max_size=300))
def test_cutting_is_idempotent_and_keeps_a_beginning(text: str) -> None:
    once = cut_loops(text)
    assert cut_loops(once) == once
    # what remains is where the reply began (whitespace aside): nothing is added or moved
    assert " ".join(text.split()).startswith(" ".join(once.split()))
