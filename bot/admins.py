"""Who counts as an admin: Slack admins and owners, the installer, and the app's admin list.

Checked on the server for every request that needs it; ``users.info`` answers are cached
briefly to spare Slack's rate limits (Tier 4), never across workspaces.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import TeamAdmin, Workspace

UserInfo = Callable[[str], dict[str, Any]]  # user id -> users.info "user" object
CACHE_SECONDS = 300.0


class UserInfoCache:
    """``users.info`` per (team, user) for a few minutes."""

    def __init__(self, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, team_id: str, user_id: str, fetch: UserInfo) -> dict[str, Any]:
        key = (team_id, user_id)
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit and now - hit[0] < self._ttl:
                return hit[1]
        user = fetch(user_id)
        with self._lock:
            self._entries[key] = (now, user)
        return user

    def forget_team(self, team_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == team_id]:
                del self._entries[key]


def app_admin_ids(session: Session, team_id: str) -> list[str]:
    """The installer and the people on the app's admin list (not Slack's own admins)."""
    ids = list(session.scalars(
        select(TeamAdmin.user_id).where(TeamAdmin.team_id == team_id).order_by(TeamAdmin.user_id)
    ))
    installer = session.scalar(
        select(Workspace.installer_user_id).where(Workspace.team_id == team_id)
    )
    if installer and installer not in ids:
        ids.insert(0, installer)
    return ids


def is_admin(session: Session, team_id: str, user_id: str, user_info: dict[str, Any]) -> bool:
    if user_info.get("deleted") or user_info.get("is_bot"):
        return False
    if user_info.get("is_admin") or user_info.get("is_owner"):
        return True
    return user_id in app_admin_ids(session, team_id)
