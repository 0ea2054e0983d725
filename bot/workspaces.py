"""Workspaces and their settings rows: created on first sight, looked up by team id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import TeamSettings, Workspace


def ensure_workspace(session: Session, team_id: str, **fields: object) -> Workspace:
    """The team's row, created with default settings the first time we hear from it."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        try:
            with session.begin_nested():
                workspace = Workspace(team_id=team_id, **fields)
                workspace.settings = TeamSettings(team_id=team_id)
                session.add(workspace)
        except IntegrityError:  # another request created it first
            workspace = session.get(Workspace, team_id)
            assert workspace is not None
    elif workspace.settings is None:
        workspace.settings = TeamSettings(team_id=team_id)
    return workspace


def team_settings(session: Session, team_id: str) -> TeamSettings:
    workspace = ensure_workspace(session, team_id)
    assert workspace.settings is not None
    return workspace.settings


def mark_uninstalled(session: Session, team_id: str, when: datetime) -> None:
    workspace = session.get(Workspace, team_id)
    if workspace is not None:
        workspace.uninstalled_at = when
