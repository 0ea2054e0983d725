"""Which teams may have a digest to send or record now, asked of the database: the worker's
minute pass then reads the plans and delivery rows of these teams only, not of every team.

The answer is a superset of the teams ``DeliveryRun.pending`` (``bot.messaging.digest``) says
True for. A team is left out only when the database shows every recipient settled at the very
period that check looks at:

- each reader (the team's recipients; with none and no channel, the installer) at the newest
  possible period of the schedule, which is the same whatever their zone (``newest_period``);
- the channel at its latest occurrence in the team's zone.

Anything else (a recipient who joined after that period, a claim in flight, a retry, a period
the database cannot name) keeps the team in, and the pending check decides as before. Those
periods depend only on the schedule and the zone, so they are computed in Python once per
distinct (days, time, team zone, installer zone) and handed to the query as a VALUES table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, column, exists, func, or_, select, values
from sqlalchemy.orm import Session

from bot.digest.delivery import SETTLED, channel_recipient, user_recipient
from bot.digest.schedule import Schedule, latest_occurrence, newest_period, team_zone_name, zone
from bot.models import DigestDelivery, DigestRecipient, TeamSettings, Workspace

# The columns a team's periods depend on, NULL read as '' (both mean "the default").
_SHAPE = (
    func.coalesce(TeamSettings.digest_days, ""),
    func.coalesce(TeamSettings.digest_time, ""),
    func.coalesce(TeamSettings.timezone, ""),
    func.coalesce(Workspace.installer_tz, ""),
)
_SHAPE_NAMES = ("days", "at", "tz", "installer_tz")
_CHANNEL = func.coalesce(TeamSettings.digest_channel_id, "")
_INSTALLER = func.coalesce(Workspace.installer_user_id, "")
_ACTIVE = (Workspace.uninstalled_at.is_(None), TeamSettings.digest_enabled.is_(True))


def _periods(days: str, at: str, tz: str, installer_tz: str, now: datetime) -> tuple[Any, ...]:
    """A shape's row of the VALUES table: itself, then the readers' and the channel's period."""
    schedule = Schedule.parse(days, at)
    occurrence = latest_occurrence(schedule, now, zone(team_zone_name(tz, installer_tz)))
    newest = newest_period(schedule, now)
    return (days, at, tz, installer_tz, newest, occurrence.period if occurrence else None)


def _settled(period: ColumnElement[Any], recipient: ColumnElement[Any]) -> ColumnElement[bool]:
    # Correlated by hand: nested in another EXISTS, it would not see the outer query's tables.
    return (
        exists()
        .where(
            DigestDelivery.team_id == Workspace.team_id,
            DigestDelivery.period == period,
            DigestDelivery.recipient == recipient,
            DigestDelivery.status.in_(SETTLED),
        )
        .correlate_except(DigestDelivery)
    )


def candidate_teams(session: Session, now: datetime) -> set[str]:
    """Installed teams with digests on that may have something to send or record at ``now``
    (see the module docstring): two queries, whatever the number of teams."""
    shapes = session.execute(select(*_SHAPE).join(TeamSettings).where(*_ACTIVE).distinct()).all()
    if not shapes:
        return set()
    names = (*_SHAPE_NAMES, "newest", "channel_period")
    table = (
        values(*(column(name, String) for name in names), name="shapes")
        .data([_periods(*shape, now) for shape in shapes])
        .cte("shapes")
    )
    channel_waits = and_(
        _CHANNEL != "",
        ~_settled(table.c.channel_period, channel_recipient("") + TeamSettings.digest_channel_id),
    )
    recipient_waits = exists().where(
        DigestRecipient.team_id == Workspace.team_id,
        ~_settled(table.c.newest, user_recipient("") + DigestRecipient.user_id),
    )
    installer_waits = and_(
        _CHANNEL == "",
        _INSTALLER != "",
        ~exists().where(DigestRecipient.team_id == Workspace.team_id),
        ~_settled(table.c.newest, user_recipient("") + Workspace.installer_user_id),
    )
    query = (
        select(Workspace.team_id)
        .join(TeamSettings)
        .join(table, and_(*(a == table.c[b] for a, b in zip(_SHAPE, _SHAPE_NAMES, strict=True))))
        .where(*_ACTIVE, or_(channel_waits, recipient_waits, installer_waits))
    )
    return set(session.scalars(query))
