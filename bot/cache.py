"""A small per-workspace cache with a time to live, never shared across workspaces."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TeamCache(Generic[V]):
    """Values per (team, key) for ``ttl`` seconds; ``forget_team`` drops a team's at once."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
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
            self._entries[(team_id, key)] = (now, value)
        return value

    def forget_team(self, team_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == team_id]:
                del self._entries[key]
