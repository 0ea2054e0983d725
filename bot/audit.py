"""The audit trail admins and operators read: what was refused, exported or deleted, and by whom.

Kept in ``audit_log`` beside settings changes (``bot.team_config.store``), not only in the
process log, which rotates and is not the workspace's to read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.models import AuditEntry

REFUSED = "admin.refused"  # someone not an admin asked for an admin's action
EXPORTED = "decisions.exported"
PURGED = "data.purged"
SYSTEM = "system"  # the user of what the app does on its own (the retention purge)


def audit(
    session: Session, team_id: str, user_id: str, action: str, now: datetime, **changes: Any
) -> None:
    session.add(
        AuditEntry(team_id=team_id, user_id=user_id, action=action, changes=changes, created_at=now)
    )
