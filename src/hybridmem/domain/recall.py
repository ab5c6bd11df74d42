"""Recall: candidates from each memory → one fused ranking → one context under a budget.

This is the only read pipeline. Chat puts ``AssembledContext.used`` into the prompt, in
that order; the library, the search endpoint, the agent's memory tools and the retrieval
benchmark all read the same list, so what is measured is what chat gets.

- **Candidates** are :class:`MemoryItem` s, one ranking per memory (facts, graph relations,
  past messages), each ordered best first by its store.
- **Fusion** is reciprocal-rank fusion: an item's score is the sum over rankings of
  ``weight / (k + rank)``. Scores of different stores are not on one scale, ranks are.
- **Assembly** walks the fused ranking in order, drops an item whose text repeats (or
  nearly repeats) one already taken, and stops at the item limit or at the first item that
  would overflow the token budget. Stopping there (rather than skipping to a shorter item)
  keeps every context a prefix of a longer one, so recall@k of a long list is recall of
  the context a smaller limit gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from hybridmem.domain.errors import InvalidInput
from hybridmem.domain.facts import Fact
from hybridmem.domain.graph import Relation
from hybridmem.domain.messages import Message, Role
from hybridmem.domain.stores import Store
from hybridmem.domain.text import NEAR_IDENTICAL_THRESHOLD, is_near_identical, normalize_text

TokenCounter = Callable[[str], int]

#: The usual reciprocal-rank-fusion constant: damps the head of each ranking so that one
#: store's first hit does not drown the others.
RRF_K = 60


@dataclass(frozen=True, slots=True, order=True)
class ItemRef:
    """Which stored thing an item is: the memory and the id within it."""

    store: Store
    item_id: str

    def __str__(self) -> str:
        return f"{self.store.value}/{self.item_id}"


@dataclass(frozen=True, slots=True)
class MemoryItem:
    """One candidate line of context, with the message ids it derives from.

    ``occurred_at`` is when a message was said or a fact/relation became valid;
    ``valid_to`` is set for a fact or relation that no longer holds; ``speaker`` names who
    said a message and ``role`` in what part (user, assistant).
    """

    ref: ItemRef
    text: str
    score: float = 0.0
    provenance: tuple[str, ...] = ()
    occurred_at: datetime | None = None
    valid_to: datetime | None = None
    speaker: str | None = None
    role: Role | None = None
    #: A message shown as a unit (:mod:`hybridmem.domain.units`): the messages of its
    #: session just before and after it; ``provenance`` then covers them all.
    before: tuple[MemoryItem, ...] = ()
    after: tuple[MemoryItem, ...] = ()

    @property
    def store(self) -> Store:
        """The memory the item comes from."""
        return self.ref.store

    def render(self) -> str:
        """The line (for a unit, the lines) as it appears in the context."""
        if self.store is Store.HISTORY:
            lines: list[str] = []
            day = None
            for part in (*self.before, self, *self.after):
                # the date once per day: a unit's messages are mostly of one sitting
                when = part.occurred_at.date().isoformat() if part.occurred_at else None
                shown = f"{when} " if when and when != day else ""
                day = when or day
                who = f"{part.speaker}: " if part.speaker else ""
                lines.append(f"{'  ' if lines else '- '}{shown}{who}{part.text}")
            return "\n".join(lines)
        if self.valid_to is not None and self.occurred_at is not None:
            span = f"{self.occurred_at.date().isoformat()} to {self.valid_to.date().isoformat()}"
            return f"- {self.text} (no longer true; held {span})"
        return f"- {self.text}"


def item_from_fact(fact: Fact, *, score: float = 0.0) -> MemoryItem:
    """A fact as a memory item."""
    return MemoryItem(
        ref=ItemRef(Store.FACTS, fact.fact_id),
        text=fact.text,
        score=score,
        provenance=fact.provenance,
        occurred_at=fact.valid_from,
        valid_to=fact.valid_to,
    )


def item_from_relation(relation: Relation, *, score: float = 0.0) -> MemoryItem:
    """A graph relation as a memory item."""
    return MemoryItem(
        ref=ItemRef(Store.GRAPH, relation.relation_id),
        text=relation.fact,
        score=score,
        provenance=(relation.episode_id,) if relation.episode_id else (),
        occurred_at=relation.valid_at,
        valid_to=relation.invalid_at,
    )


def item_from_message(message: Message, *, score: float = 0.0) -> MemoryItem:
    """A chat message as a memory item, attributed to its speaker (name, else role)."""
    return MemoryItem(
        ref=ItemRef(Store.HISTORY, message.message_id),
        text=message.content,
        score=score,
        provenance=(message.message_id,),
        occurred_at=message.occurred_at,
        speaker=message.name or message.role.value,
        role=message.role,
    )


def merge_mirrors(facts: Sequence[MemoryItem], relations: Sequence[MemoryItem]) -> list[MemoryItem]:
    """The relation ranking without the relations that state a ranked fact (the local graph
    mirrors every fact as a relation).

    A mirror agreeing with its source is not a second opinion: counting both rankings'
    shares put a fact that topped its store above the best message, whatever the message
    said (on LoCoMo a fact ranked first was evidence a third as often as a message).
    """
    by_text = {normalize_text(item.text) for item in facts}
    return [item for item in relations if normalize_text(item.text) not in by_text]


def fuse(
    rankings: Mapping[Store, Sequence[MemoryItem]],
    *,
    weights: Mapping[Store, float] | None = None,
    k: int = RRF_K,
) -> list[MemoryItem]:
    """Reciprocal-rank fusion of per-store rankings (best first) into one ranking.

    The fused score replaces each item's own; an item in several rankings sums its shares.
    Ties go to the item whose store comes first in ``rankings``, then to its ref, so the
    result does not depend on anything but the input.
    """
    fused: dict[ItemRef, tuple[float, int, MemoryItem]] = {}
    for position, (store, ranking) in enumerate(rankings.items()):
        weight = 1.0 if weights is None else weights.get(store, 1.0)
        for rank, item in enumerate(ranking):
            share = weight / (k + rank)
            previous = fused.get(item.ref)
            if previous is None:
                fused[item.ref] = (share, position, item)
            else:
                fused[item.ref] = (previous[0] + share, previous[1], previous[2])
    ordered = sorted(fused.values(), key=lambda entry: (-entry[0], entry[1], entry[2].ref))
    return [replace(item, score=round(score, 6)) for score, _, item in ordered]


def past_first(ranked: Sequence[MemoryItem]) -> list[MemoryItem]:
    """``ranked`` with the facts and relations that no longer hold moved to the front (in
    their order), for questions about the past ("Where did I live before?")."""
    return sorted(ranked, key=lambda item: item.valid_to is None)


def approximate_tokens(text: str) -> int:
    """Deterministic token estimate: the larger of chars / 4 and words × 1.3, rounded up.

    Close enough for budgeting English prompts; pass a real tokenizer's counter for exactness.
    """
    if not text:
        return 0
    return max(math.ceil(len(text) / 4), math.ceil(len(text.split()) * 1.3))


def render(items: Iterable[MemoryItem]) -> str:
    """The context text: one line per item, in the given order."""
    return "\n".join(item.render() for item in items)


@dataclass(frozen=True, slots=True)
class AssembledContext:
    """The context text and an account of every input item."""

    text: str
    used: tuple[MemoryItem, ...]
    duplicates: tuple[MemoryItem, ...]
    left_out: tuple[MemoryItem, ...]
    tokens_used: int
    budget_tokens: int


def assemble(
    ranked: Iterable[MemoryItem],
    *,
    budget_tokens: int,
    limit: int | None = None,
    count_tokens: TokenCounter = approximate_tokens,
    near_duplicate_threshold: float = NEAR_IDENTICAL_THRESHOLD,
) -> AssembledContext:
    """Take ``ranked`` items in order, without repeats, until ``limit`` items or the budget."""
    if budget_tokens < 0:
        raise InvalidInput("the token budget must not be negative", details={"field": "budget"})
    used: list[MemoryItem] = []
    duplicates: list[MemoryItem] = []
    left_out: list[MemoryItem] = []
    seen: list[str] = []
    tokens = 0
    full = False
    for item in ranked:
        if not item.text.strip():
            continue
        if full:
            left_out.append(item)
            continue
        normalized = normalize_text(item.text)
        if any(
            normalized == other or is_near_identical(normalized, other, near_duplicate_threshold)
            for other in seen
        ):
            duplicates.append(item)
            continue
        cost = count_tokens(item.render()) + (1 if used else 0)  # the newline between lines
        if (limit is not None and len(used) >= limit) or tokens + cost > budget_tokens:
            full = True
            left_out.append(item)
            continue
        used.append(item)
        seen.append(normalized)
        tokens += cost
    text = render(used)
    return AssembledContext(
        text=text,
        used=tuple(used),
        duplicates=tuple(duplicates),
        left_out=tuple(left_out),
        tokens_used=count_tokens(text),
        budget_tokens=budget_tokens,
    )
