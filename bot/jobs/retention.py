"""The retention job: a workspace uninstalled longer than the retention period is purged.

Uninstalling deletes the tokens at once (``handlers.events``); the workspace's data stays for
``UNINSTALLED_RETENTION_DAYS`` so that a reinstall (which clears ``uninstalled_at``) finds it
again, and then goes, as ``/buildvsbuy settings`` → Delete all data would do.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.models import Workspace
from bot.services import Services
from bot.team_config.purge import purge_team

log = logging.getLogger(__name__)


def purge_uninstalled(services: Services) -> list[str]:
    """Purge every workspace uninstalled before the retention period; the teams purged."""
    now = services.clock()
    cutoff = now - timedelta(days=services.settings.UNINSTALLED_RETENTION_DAYS)
    with session_scope(services.sessions) as session:
        expired = list(
            session.scalars(
                select(Workspace.team_id).where(
                    Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at < cutoff
                )
            )
        )
    purged = []
    for team_id in expired:
        with session_scope(services.sessions, write=True) as session:
            # Read again in the purge's own transaction: a reinstall since the query wins.
            workspace = session.get(Workspace, team_id)
            if workspace is None or workspace.uninstalled_at is None:
                continue
            if workspace.uninstalled_at >= cutoff:
                continue
            deleted = purge_team(session, team_id, now=now)
        services.forget_team(team_id)
        log.info(
            "team=%s purged %d rows after its retention period", team_id, sum(deleted.values())
        )
        purged.append(team_id)
    return purged
