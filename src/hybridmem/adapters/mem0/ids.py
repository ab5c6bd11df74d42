"""Our fact ids next to Mem0 memory ids, remembered in process.

Mem0 chooses memory ids; our fact ids live in each memory's metadata (``hm_fact_id``)
and can always be found again by a metadata-filtered list. This cache saves that
round trip on hot paths, and keeps the ids of facts deleted here so their history
(which Mem0 keeps under the memory id) stays reachable. Bounded (least recently used
entries go first); losing an entry only costs a lookup.
"""

from __future__ import annotations

from collections import OrderedDict

_Key = tuple[str, str]


class _Lru:
    def __init__(self, capacity: int) -> None:
        self._capacity = max(1, capacity)
        self._items: OrderedDict[_Key, str] = OrderedDict()

    def get(self, key: _Key) -> str | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: _Key, value: str) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)

    def pop(self, key: _Key) -> None:
        self._items.pop(key, None)


class MemoryIds:
    """(user id, fact id) → memory id, for live memories and for deleted ones."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._live = _Lru(capacity)
        self._deleted = _Lru(capacity)

    def live(self, user_id: str, fact_id: str) -> str | None:
        """The memory id of a fact believed stored, if known."""
        return self._live.get((user_id, fact_id))

    def remember(self, user_id: str, fact_id: str, memory_id: str) -> None:
        """Note where a stored fact lives."""
        self._deleted.pop((user_id, fact_id))
        self._live.put((user_id, fact_id), memory_id)

    def forget(self, user_id: str, fact_id: str) -> None:
        """Drop a mapping found stale (the memory is gone or not the fact's)."""
        self._live.pop((user_id, fact_id))

    def deleted(self, user_id: str, fact_id: str) -> str | None:
        """The memory id of a fact deleted here, if known."""
        return self._deleted.get((user_id, fact_id))

    def bury(self, user_id: str, fact_id: str, memory_id: str) -> None:
        """Note that the fact's memory was deleted (its history stays at Mem0)."""
        self._live.pop((user_id, fact_id))
        self._deleted.put((user_id, fact_id), memory_id)
