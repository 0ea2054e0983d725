"""A small per-workspace cache with a time to live, never shared across workspaces."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


# Enough for every person of a large workspace, small enough that a flood of made-up user ids
# cannot grow a process without limit (each entry is one ``users.info`` answer, about 2 kB).
MAX_ENTRIES = 20_000


class TeamCache(Generic[V]):
    """Values per (team, key) for ``ttl`` seconds; ``forget_team`` drops a team's at once.

    At most ``max_entries``: past that the oldest entry goes first.
    """

    def __init__(
        self,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, team_id: str, key: str, fetch: Callable[[str], V]) -> V:
        """The cached value, or ``fetch(key)`` (outside the lock: it may be a network call)."""
        now = self._clock()
        with self._lock:
            hit = self._entries.get((team_id, key))
            if hit and now - hit[0] < self._ttl:
                return hit[1]
        value = fetch(key)
        with self._lock:
            self._entries.pop((team_id, key), None)  # re-inserted last: dicts keep order
            self._entries[(team_id, key)] = (now, value)
            while len(self._entries) > self._max:
                del self._entries[next(iter(self._entries))]
        return value

    def forget_team(self, team_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == team_id]:
                del self._entries[key]
