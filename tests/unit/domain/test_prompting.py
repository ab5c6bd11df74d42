"""The compact prompt: memory lines addressed to the user, the worked example."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from hybridmem.application.prompts import COMPACT_SYSTEM, EXAMPLE_TERMS, build_prompt
from hybridmem.domain.attributes import Attribute
from hybridmem.domain.display import describe
from hybridmem.domain.messages import Role
from hybridmem.domain.prompting import PromptStyle, memory_lines, to_second_person
from hybridmem.domain.recall import ItemRef, MemoryItem, assemble
from hybridmem.domain.stores import Store

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_fact_texts_are_addressed_to_the_user() -> None:
    assert to_second_person("Lives in Delhi") == "You live in Delhi."
    assert to_second_person("Name is Priya") == "Your name is Priya."
    assert to_second_person("Has a dog named Bruno") == "You have a dog named Bruno."
    assert to_second_person("Is 34 years old") == "You are 34 years old."
    assert to_second_person("Is allergic to peanuts") == "You are allergic to peanuts."
    assert to_second_person("Wife is Ana") == "Your wife is Ana."
    assert to_second_person("Favorite color is green") == "Your favorite color is green."
    assert to_second_person("Works as a nurse") == "You work as a nurse."


def test_other_shapes_are_kept() -> None:
    assert to_second_person("Alice moved to Delhi in 2023") == "Alice moved to Delhi in 2023."
    assert to_second_person("  ") == ""


_VALUE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop ", min_size=1, max_size=20)


@given(st.sampled_from([a for a in Attribute if a is not Attribute.OTHER]), _VALUE)
def test_every_described_fact_becomes_second_person(attribute: Attribute, value: str) -> None:
    value = value.strip() or "X"
    qualifier = {Attribute.PET: "dog", Attribute.FAMILY_MEMBER: "sister"}.get(attribute)
    line = to_second_person(describe(attribute, value, qualifier))
    assert line.startswith(("You ", "Your ")), line
    assert value in line


def _message(item_id: str, text: str, role: Role) -> MemoryItem:
    return MemoryItem(ItemRef(Store.HISTORY, item_id), text, role=role, speaker=role.value)


def _items() -> list[MemoryItem]:
    return [
        MemoryItem(ItemRef(Store.FACTS, "1"), "Lives in Delhi", 0.9),
        MemoryItem(
            ItemRef(Store.FACTS, "2"),
            "Lives in Paris",
            0.5,
            occurred_at=datetime(2020, 1, 1, tzinfo=UTC),
            valid_to=datetime(2023, 5, 1, tzinfo=UTC),
        ),
        _message("1", "I love chess.", Role.USER),
        _message("2", "Chess is fun!", Role.ASSISTANT),
    ]


def test_memory_lines_put_facts_first_and_leave_out_the_assistant() -> None:
    assert memory_lines(_items()) == [
        "You live in Delhi.",
        "In the past (from 2020-01-01 until 2023-05-01): you live in Paris.",
        'You said: "I love chess."',
    ]


def test_the_compact_prompt_has_the_example_then_the_memory_with_the_question() -> None:
    context = assemble(_items(), budget_tokens=500)
    prompt = build_prompt(
        PromptStyle.COMPACT, persona="ignored", context=context, question="Where do I live?"
    )
    assert prompt.system == COMPACT_SYSTEM
    assert [m.role for m in prompt.examples] == [Role.USER, Role.ASSISTANT]
    assert prompt.message.role is Role.USER
    assert prompt.message.content.startswith("Memory:\n- You live in Delhi.\n")
    assert prompt.message.content.endswith("\n\nWhere do I live?")
    assert prompt.example_terms == EXAMPLE_TERMS
    assert all(term in "".join(m.content for m in prompt.examples) for term in EXAMPLE_TERMS)


def test_the_question_itself_is_not_memory() -> None:
    asked = _message("q", "Which pet did we adopt?", Role.USER)
    context = assemble([*_items(), asked], budget_tokens=500)
    prompt = build_prompt(
        PromptStyle.COMPACT,
        persona="",
        context=context,
        question="Which pet did we adopt?",
        question_item=ItemRef(Store.HISTORY, "q"),
    )
    assert prompt.message.content.count("Which pet did we adopt?") == 1
    assert "I love chess." in prompt.message.content


def test_the_compact_prompt_says_when_nothing_is_known() -> None:
    empty = assemble([], budget_tokens=500)
    prompt = build_prompt(PromptStyle.COMPACT, persona="p", context=empty, question="Hi!")
    assert prompt.message.content == "Memory: nothing yet.\n\nHi!"


def test_the_standard_prompt_is_the_persona_and_the_titled_memory() -> None:
    context = assemble(_items(), budget_tokens=500)
    prompt = build_prompt(
        PromptStyle.STANDARD, persona="Be kind.", context=context, question="Where do I live?"
    )
    assert prompt.system == f"Be kind.\n\nMemory (most relevant first):\n{context.text}"
    assert prompt.examples == ()
    assert prompt.message.content == "Where do I live?"
    assert prompt.example_terms == ()
