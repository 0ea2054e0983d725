"""Who may read the decision log: members, and guests only when an admin allows it.

Guests (Slack's multi-channel ``is_restricted`` and single-channel ``is_ultra_restricted``
users) are often contractors or customers; a team's build-vs-buy decisions are not for them
unless an admin says so in the settings (issue 13.11). Checked on the server for every read,
whatever the request (a forged button included); listeners pass ``users.info``'s user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import NotAllowed
from bot.models import TeamSettings


def is_guest(user: Mapping[str, Any]) -> bool:
    """A single- or multi-channel guest; a user Slack could not describe ({}) counts as one,
    so that a failed ``users.info`` never opens the log (fails closed)."""
    if not user.get("id"):
        return True
    return bool(user.get("is_restricted") or user.get("is_ultra_restricted"))


def guests_may_read(session: Session, team_id: str) -> bool:
    allowed = session.scalar(
        select(TeamSettings.guests_read_decisions).where(TeamSettings.team_id == team_id)
    )
    return bool(allowed)


def may_read(session: Session, team_id: str, user: Mapping[str, Any]) -> bool:
    return not is_guest(user) or guests_may_read(session, team_id)


def require_reader(session: Session, team_id: str, user: Mapping[str, Any]) -> None:
    """Raise ``NotAllowed`` (a sentence for guests) unless ``user`` may read the log."""
    if not may_read(session, team_id, user):
        raise NotAllowed("decisions.error.guests")
