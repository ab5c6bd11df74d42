"""Context units: a recalled message together with the messages around it.

What answers a question is often said next to the message that matches it: the answer to
a question ("How did the kids take the accident?" → the next turn), the second half of a
story told in two messages. Recall therefore shows a matched message as a small unit —
the message, up to ``before`` messages ahead of it and ``after`` behind it in its session
— that carries every message id it shows, so what the unit cites is what it says.

Units never repeat a message: a matched message already shown inside an earlier unit is
dropped (the earlier unit stands for it), and a neighbour already shown is left out of
the later unit. Facts and relations are not expanded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from hybridmem.domain.messages import Message
from hybridmem.domain.recall import MemoryItem, item_from_message
from hybridmem.domain.stores import Store


@dataclass(frozen=True, slots=True)
class TurnWindow:
    """How many messages of its session a recalled message brings before and after it."""

    before: int = 0
    after: int = 0

    def __post_init__(self) -> None:
        if self.before < 0 or self.after < 0:
            raise ValueError("a turn window cannot be negative")

    @property
    def empty(self) -> bool:
        """True when messages come alone."""
        return self.before == 0 and self.after == 0


def units_to_expand(ranked: Sequence[MemoryItem], limit: int) -> list[str]:
    """The message ids of the history items among the first ``limit`` of ``ranked``: the
    only ones a context of ``limit`` items can show, so the only windows worth reading."""
    return [item.ref.item_id for item in ranked[:limit] if item.store is Store.HISTORY]


def with_turns(
    ranked: Sequence[MemoryItem], windows: Mapping[str, Sequence[Message]]
) -> list[MemoryItem]:
    """``ranked`` with each history item shown with its neighbours.

    ``windows`` maps a message id to the messages of its session around it, in order, the
    message itself included (as ``MessageContext.around`` returns them); an item without
    a window stays as it is.
    """
    shown: set[str] = set()
    units: list[MemoryItem] = []
    for item in ranked:
        if item.store is not Store.HISTORY:
            units.append(item)
            continue
        message_id = item.ref.item_id
        if message_id in shown:
            continue  # an earlier unit already shows it
        window = list(windows.get(message_id, ()))
        position = next(
            (i for i, message in enumerate(window) if message.message_id == message_id), None
        )
        if position is None:
            shown.add(message_id)
            units.append(item)
            continue
        before = tuple(item_from_message(m) for m in window[:position] if m.message_id not in shown)
        after = tuple(
            item_from_message(m) for m in window[position + 1 :] if m.message_id not in shown
        )
        shown.add(message_id)
        shown.update(part.ref.item_id for part in (*before, *after))
        units.append(
            replace(
                item,
                before=before,
                after=after,
                provenance=tuple(
                    dict.fromkeys(
                        [
                            *(p for part in before for p in part.provenance),
                            *item.provenance,
                            *(p for part in after for p in part.provenance),
                        ]
                    )
                ),
            )
        )
    return units
