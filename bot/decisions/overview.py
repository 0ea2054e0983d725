"""What the Home tab shows for a team: latest decisions, upcoming reviews, the digest schedule.

Bounded by construction (a fixed number of each), so the Home tab stays within Block Kit's
100 blocks however large the log grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.assessment.rounds import OpenRound, open_rounds
from bot.decisions.readers import may_read
from bot.decisions.rules import ACTIVE_STATUSES, team_today
from bot.decisions.store import DecisionSummary, summaries
from bot.models import Decision
from bot.workspaces import team_settings

LATEST = 8
UPCOMING = 5


@dataclass(frozen=True)
class DigestSchedule:
    enabled: bool
    days: str  # "daily" or "mon,thu"
    time: str  # "09:00"
    timezone: str
    channel_id: str | None


@dataclass(frozen=True)
class HomeOverview:
    latest: list[DecisionSummary]
    total: int
    upcoming: list[DecisionSummary]
    digest: DigestSchedule
    today: date  # the team's today, to mark overdue reviews
    rounds: tuple[OpenRound, ...] = ()  # the viewer's open team assessments
    decisions_hidden: bool = False  # the viewer is a guest the log is not open to


def home_overview(
    session: Session,
    team_id: str,
    today: date,
    user_id: str | None = None,
    viewer: Mapping[str, Any] | None = None,
) -> HomeOverview:
    """Everything the Home tab needs, in a few small indexed queries (the viewer's open team
    assessments too, when ``user_id`` is given). ``viewer`` is the viewer's ``users.info``: a
    guest the log is not open to (``bot.decisions.readers``) sees no decisions."""
    if viewer is not None and not may_read(session, team_id, viewer):
        return replace(
            home_overview(session, team_id, today, user_id),
            latest=[],
            total=0,
            upcoming=[],
            decisions_hidden=True,
        )
    latest = session.scalars(
        select(Decision)
        .where(Decision.team_id == team_id)
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(LATEST)
    )
    total = (
        session.scalar(
            select(func.count()).select_from(Decision).where(Decision.team_id == team_id)
        )
        or 0
    )
    # Overdue reviews come first: they are the ones someone has forgotten.
    upcoming = session.scalars(
        select(Decision)
        .where(
            Decision.team_id == team_id,
            Decision.review_date.is_not(None),
            Decision.status.in_(ACTIVE_STATUSES),
        )
        .order_by(Decision.review_date, Decision.id)
        .limit(UPCOMING)
    )
    settings = team_settings(session, team_id)
    digest = DigestSchedule(
        settings.digest_enabled,
        settings.digest_days,
        settings.digest_time,
        settings.timezone or "UTC",
        settings.digest_channel_id,
    )
    return HomeOverview(
        summaries(session, team_id, latest),
        total,
        summaries(session, team_id, upcoming),
        digest,
        today,
        tuple(open_rounds(session, team_id, user_id)) if user_id else (),
    )


@dataclass(frozen=True)
class TeamContext:
    """What the decide modal and the Home tab need of a team's settings."""

    lang: str
    today: date
    review_period_days: int


def team_context(session: Session, team_id: str, now: datetime) -> TeamContext:
    settings = team_settings(session, team_id)
    return TeamContext(
        settings.language, team_today(now, settings.timezone), settings.review_period_days
    )
