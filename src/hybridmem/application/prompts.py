"""The chat prompt, laid out for the model's ``prompt_style`` (pure functions).

``standard``: the persona and the titled memory sections in the system prompt, the user's
message as it is. ``compact`` (very small models): one short instruction, one worked
example, and the memory as plain lines addressed to the user in the final user turn —
the layout that measured best on SmolLM2-135M (docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from hybridmem.domain.messages import Role
from hybridmem.domain.prompting import PromptStyle, memory_lines
from hybridmem.domain.recall import AssembledContext, ItemRef
from hybridmem.ports.llm import ChatMessage

COMPACT_SYSTEM = (
    "Answer the user's question in one short sentence, using the memory about the user."
)
# The worked example: two memory lines, one of which answers the question, so the model
# sees that it has to pick a line, not repeat the first one.
_EXAMPLE_MEMORY = ("You have a cat named Tom.", "You live in Oslo.")
_EXAMPLE_QUESTION = "Which city do I live in?"
_EXAMPLE_ANSWER = "You live in Oslo."
#: Words of the example a reply must not contain unless the memory or question does.
EXAMPLE_TERMS = ("Oslo", "Tom")


@dataclass(frozen=True, slots=True)
class ChatPrompt:
    """What is sent for one turn, besides the conversation's history."""

    system: str
    examples: tuple[ChatMessage, ...]  # worked example turns, before the history
    message: ChatMessage  # the final user turn
    memory_text: str  # the memory as the model saw it (for checking the reply)
    example_terms: tuple[str, ...] = ()


def _memory_turn(lines: list[str] | tuple[str, ...], question: str) -> str:
    memory = "\n".join(f"- {line}" for line in lines) if lines else "nothing yet."
    separator = "\n" if lines else " "
    return f"Memory:{separator}{memory}\n\n{question}"


def build_prompt(
    style: PromptStyle,
    *,
    persona: str,
    context: AssembledContext,
    question: str,
    question_item: ItemRef | None = None,
    instructions: str = "",
) -> ChatPrompt:
    """The prompt for ``question`` with the recalled ``context`` (``question_item``: the
    stored question itself, which recall finds among past messages, left out of a compact
    memory; ``instructions``: a client's own system messages, after ours)."""
    extra = f"\n\n{instructions}" if instructions else ""
    if style is PromptStyle.COMPACT:
        lines = memory_lines(context.used, skip=(question_item,) if question_item else ())
        return ChatPrompt(
            system=COMPACT_SYSTEM + extra,
            examples=(
                ChatMessage(Role.USER, _memory_turn(_EXAMPLE_MEMORY, _EXAMPLE_QUESTION)),
                ChatMessage(Role.ASSISTANT, _EXAMPLE_ANSWER),
            ),
            message=ChatMessage(Role.USER, _memory_turn(lines, question)),
            memory_text="\n".join(lines),
            example_terms=EXAMPLE_TERMS,
        )
    if context.text:
        system = f"{persona}{extra}\n\nMemory (most relevant first):\n{context.text}"
    else:
        system = f"{persona}{extra}\n\nMemory: nothing relevant is known yet."
    return ChatPrompt(
        system=system,
        examples=(),
        message=ChatMessage(Role.USER, question),
        memory_text=context.text,
    )
