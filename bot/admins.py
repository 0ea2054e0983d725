"""Who counts as an admin: Slack admins and owners, the installer, and the app's admin list.

Checked on the server for every request that needs it; ``users.info`` answers are cached
briefly to spare Slack's rate limits (Tier 4), never across workspaces.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import TeamAdmin, Workspace

USERS_CACHE_SECONDS = 300.0  # users.info per (team, user): spares Slack's Tier 4 limit


def app_admin_ids(session: Session, team_id: str) -> list[str]:
    """The installer and the people on the app's admin list (not Slack's own admins)."""
    ids = list(
        session.scalars(
            select(TeamAdmin.user_id)
            .where(TeamAdmin.team_id == team_id)
            .order_by(TeamAdmin.user_id)
        )
    )
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
