"""The three memories every part of hybridmem talks about."""

from __future__ import annotations

from enum import StrEnum


class Store(StrEnum):
    """Which memory something lives in, is read from or is written to.

    - ``HISTORY``: chat messages per session (the Zep thread role);
    - ``GRAPH``: entities and relations with validity (the Zep graph role);
    - ``FACTS``: normalized facts (the Mem0 role).
    """

    HISTORY = "history"
    GRAPH = "graph"
    FACTS = "facts"
