"""Context assembly: scored items from several memories → one prompt section under a budget.

Items are ordered by score, then by source priority (facts, relations, messages by
default), then by id, so the result is deterministic. An item whose text matches (after
normalization) or nearly matches an item already taken is dropped as a duplicate, whatever
its source. Items are then taken greedily while the rendered context stays within the token
budget; a later, shorter item may still fit after a long one did not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import Relation
from hybridmem.domain.messages import Message
from hybridmem.domain.text import NEAR_IDENTICAL_THRESHOLD, normalize_text, text_similarity

TokenCounter = Callable[[str], int]


class ContextSource(StrEnum):
    """Where a context item came from."""

    FACT = "fact"
    RELATION = "relation"
    MESSAGE = "message"


DEFAULT_SOURCE_PRIORITY: tuple[ContextSource, ...] = (
    ContextSource.FACT,
    ContextSource.RELATION,
    ContextSource.MESSAGE,
)
SECTION_TITLES = {
    ContextSource.FACT: "Known facts about the user:",
    ContextSource.RELATION: "From the user's memory graph:",
    ContextSource.MESSAGE: "Recent conversation:",
}


@dataclass(frozen=True, slots=True)
class ContextItem:
    """One candidate line of context."""

    item_id: str
    source: ContextSource
    text: str
    score: float = 0.0
    label: str | None = None  # shown before the text: a role, or "until 2024-05-01"
    occurred_at: datetime | None = None  # messages are shown in time order

    def render(self) -> str:
        """The line as it appears in the context."""
        return f"- {self.label}: {self.text}" if self.label else f"- {self.text}"


@dataclass(frozen=True, slots=True)
class AssembledContext:
    """The context text and an account of every input item."""

    text: str
    used: tuple[ContextItem, ...]
    duplicates: tuple[ContextItem, ...]
    over_budget: tuple[ContextItem, ...]
    tokens_used: int
    budget_tokens: int


def approximate_tokens(text: str) -> int:
    """Deterministic token estimate: the larger of chars / 4 and words × 1.3, rounded up.

    Close enough for budgeting English prompts; pass a real tokenizer's counter for exactness.
    """
    if not text:
        return 0
    return max(math.ceil(len(text) / 4), math.ceil(len(text.split()) * 1.3))


def _validity_label(valid_from: datetime, valid_to: datetime | None) -> str | None:
    if valid_to is None:
        return None
    return f"from {valid_from.date().isoformat()} until {valid_to.date().isoformat()}"


def item_from_fact(fact: Fact, *, score: float) -> ContextItem:
    """A fact as a context item; a closed fact is labelled with its validity."""
    return ContextItem(
        item_id=f"fact:{fact.fact_id}",
        source=ContextSource.FACT,
        text=fact.text,
        score=score,
        label=_validity_label(fact.valid_from, fact.valid_to),
    )


def item_from_relation(relation: Relation, *, score: float) -> ContextItem:
    """A graph relation as a context item; an invalidated one is labelled with its validity."""
    return ContextItem(
        item_id=f"relation:{relation.relation_id}",
        source=ContextSource.RELATION,
        text=relation.fact,
        score=score,
        label=_validity_label(relation.valid_at, relation.invalid_at),
    )


def item_from_message(message: Message, *, score: float) -> ContextItem:
    """A chat message as a context item, labelled with its role."""
    return ContextItem(
        item_id=f"message:{message.message_id}",
        source=ContextSource.MESSAGE,
        text=message.content,
        score=score,
        label=message.role.value,
        occurred_at=message.occurred_at,
    )


def render_context(
    items: Sequence[ContextItem],
    source_priority: Sequence[ContextSource] = DEFAULT_SOURCE_PRIORITY,
) -> str:
    """Render items as titled sections in priority order; messages in time order."""
    sections: list[str] = []
    for source in source_priority:
        chosen = [item for item in items if item.source is source]
        if not chosen:
            continue
        if source is ContextSource.MESSAGE:
            position = {id(item): index for index, item in enumerate(chosen)}
            chosen.sort(
                key=lambda item: (item.occurred_at is None, item.occurred_at, position[id(item)])
            )
        lines = [SECTION_TITLES[source], *(item.render() for item in chosen)]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def assemble_context(
    items: Iterable[ContextItem],
    *,
    budget_tokens: int,
    count_tokens: TokenCounter = approximate_tokens,
    source_priority: Sequence[ContextSource] = DEFAULT_SOURCE_PRIORITY,
    near_duplicate_threshold: float = NEAR_IDENTICAL_THRESHOLD,
) -> AssembledContext:
    """Deduplicate, order and cut ``items`` to fit ``budget_tokens`` (rendered text)."""
    if budget_tokens < 0:
        raise InvalidInput("the token budget must not be negative", details={"field": "budget"})
    missing = [source for source in ContextSource if source not in source_priority]
    priority = {source: rank for rank, source in enumerate([*source_priority, *missing])}
    candidates = sorted(
        (item for item in items if item.text.strip()),
        key=lambda item: (-item.score, priority[item.source], item.item_id, item.text),
    )
    unique: list[ContextItem] = []
    duplicates: list[ContextItem] = []
    for item in candidates:
        normalized = normalize_text(item.text)
        if any(
            normalized == normalize_text(kept.text)
            or text_similarity(item.text, kept.text) >= near_duplicate_threshold
            for kept in unique
        ):
            duplicates.append(item)
        else:
            unique.append(item)
    used: list[ContextItem] = []
    over_budget: list[ContextItem] = []
    order = [*source_priority, *missing]
    for item in unique:
        if count_tokens(render_context([*used, item], order)) <= budget_tokens:
            used.append(item)
        else:
            over_budget.append(item)
    text = render_context(used, order)
    return AssembledContext(
        text=text,
        used=tuple(used),
        duplicates=tuple(duplicates),
        over_budget=tuple(over_budget),
        tokens_used=count_tokens(text),
        budget_tokens=budget_tokens,
    )
