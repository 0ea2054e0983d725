"""Who gets a digest, when, and from which feeds: each team's settings read in a few queries.

A team that configured nothing still gets its digest: weekly on Monday at 09:00 in the
installer's time zone, by DM to the installer when there is neither a channel nor anyone on
the recipients list (so the default is useful, not silent).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from bot.decisions.rules import ACTIVE_STATUSES
from bot.digest.schedule import Schedule, team_zone_name
from bot.digest.store import default_feed_ids, team_feed_ids
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.models import Decision, DigestRecipient, TeamSettings, Workspace
from bot.news.why import DecisionRef

MANAGER, SUBSCRIBER, INSTALLER = "manager", "subscriber", "installer"
DECISIONS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Reader:
    """Someone who gets the digest by DM."""

    user_id: str
    role: str
    since: datetime


@dataclass(frozen=True, slots=True)
class TeamPlan:
    """A team's digest settings, resolved (defaults applied, time zone chosen)."""

    team_id: str
    enterprise_id: str | None
    lang: str
    limit: int
    channel_id: str | None
    tz: str
    schedule: Schedule
    llm_enabled: bool
    llm_model: str | None
    since: datetime
    readers: tuple[Reader, ...]
    feed_ids: frozenset[int]
    enabled: bool = True

    @property
    def has_recipients(self) -> bool:
        return bool(self.channel_id or self.readers)


class _Recipient(Protocol):
    user_id: str
    role: str
    created_at: datetime


def _readers(
    rows: list[_Recipient], installer: str | None, installed_at: datetime, has_channel: bool
) -> tuple[Reader, ...]:
    if len(rows) == 1:  # most teams: one manager, nothing to merge or sort (every minute)
        return (Reader(rows[0].user_id, rows[0].role, rows[0].created_at),)
    readers: dict[str, Reader] = {}
    for row in sorted(rows, key=lambda r: (r.role != MANAGER, r.user_id)):
        known = readers.get(row.user_id)
        since = min(known.since, row.created_at) if known else row.created_at
        readers[row.user_id] = Reader(row.user_id, known.role if known else row.role, since)
    if not readers and not has_channel and installer:
        readers[installer] = Reader(installer, INSTALLER, installed_at)
    return tuple(sorted(readers.values(), key=lambda r: r.user_id))


# Plain columns, not ORM entities: a pass with many teams due reads many plans at once, and at
# 100,000 teams building and tracking objects was most of that read (bench/bench_scan.py).
_PLAN_COLUMNS = (
    Workspace.team_id,
    Workspace.enterprise_id,
    Workspace.installer_tz,
    Workspace.installer_user_id,
    Workspace.installed_at,
    TeamSettings.language,
    TeamSettings.digest_items,
    TeamSettings.digest_channel_id,
    TeamSettings.timezone,
    TeamSettings.digest_days,
    TeamSettings.digest_time,
    TeamSettings.llm_enabled,
    TeamSettings.llm_model,
    TeamSettings.digest_enabled,
)
_RECIPIENT_COLUMNS = (
    DigestRecipient.team_id,
    DigestRecipient.user_id,
    DigestRecipient.role,
    DigestRecipient.created_at,
)


def load_plans(
    session: Session,
    *,
    team_id: str | None = None,
    teams: Collection[str] | None = None,
    include_disabled: bool = False,
) -> list[TeamPlan]:
    """Plans of installed teams (of ``teams`` only, if given: the worker's candidates, few
    enough to list in a statement), or of the one team ``team_id`` (whatever its state: it is
    asking); teams with digests switched off only if asked."""
    if teams is not None and not teams:
        return []
    query = select(*_PLAN_COLUMNS).join(TeamSettings, TeamSettings.team_id == Workspace.team_id)
    recipients_query = select(*_RECIPIENT_COLUMNS)
    if team_id is not None:
        teams = (team_id,)
    else:
        query = query.where(Workspace.uninstalled_at.is_(None))
    if teams is not None:
        query = query.where(Workspace.team_id.in_(sorted(teams)))
        recipients_query = recipients_query.where(DigestRecipient.team_id.in_(sorted(teams)))
    if not include_disabled:
        query = query.where(TeamSettings.digest_enabled.is_(True))
    rows = session.execute(query.order_by(Workspace.team_id)).all()
    if not rows:
        return []
    recipients: dict[str, list[_Recipient]] = {}
    for recipient in session.execute(recipients_query):
        recipients.setdefault(recipient.team_id, []).append(recipient)
    defaults = default_feed_ids(session)
    own_feeds = team_feed_ids(session, teams)
    return [
        TeamPlan(
            team_id=row.team_id,
            enterprise_id=row.enterprise_id,
            lang=row.language if row.language in LANGUAGES else DEFAULT_LANGUAGE,
            limit=max(1, row.digest_items or 8),
            channel_id=row.digest_channel_id or None,
            tz=team_zone_name(row.timezone, row.installer_tz),
            schedule=Schedule.parse(row.digest_days, row.digest_time),
            llm_enabled=bool(row.llm_enabled),
            llm_model=row.llm_model or None,
            since=row.installed_at,
            readers=_readers(
                recipients.get(row.team_id, []),
                row.installer_user_id,
                row.installed_at,
                bool(row.digest_channel_id),
            ),
            feed_ids=defaults | frozenset(own_feeds.get(row.team_id, ())),
            enabled=bool(row.digest_enabled),
        )
        for row in rows
    ]


def _decisions_query() -> Select[Any]:
    # Built once: a statement this shape costs more to build than to run for a few teams.
    columns = Decision.__table__.c  # Core columns: no ORM work per row
    newest = (
        func.row_number()
        .over(partition_by=columns.team_id, order_by=(columns.created_at.desc(), columns.id.desc()))
        .label("newest")
    )
    ranked = (
        select(columns.team_id, columns.id, columns.title, columns.verdict, columns.link, newest)
        .where(
            columns.team_id.in_(bindparam("teams", expanding=True)),
            columns.status.in_(ACTIVE_STATUSES),
        )
        .subquery()
    )
    return (
        select(ranked)
        .where(ranked.c.newest <= bindparam("limit"))
        .order_by(ranked.c.team_id, ranked.c.newest)
    )


_DECISIONS = _decisions_query()


def decisions_by_team(
    session: Session, team_ids: Iterable[str], limit: int = DECISIONS_SHOWN
) -> dict[str, list[DecisionRef]]:
    """Each team's decisions still in force, newest first, at most ``limit`` per team: what
    a story can bear on (one query for all the teams)."""
    wanted = sorted(set(team_ids))
    if not wanted:
        return {}
    out: dict[str, list[DecisionRef]] = {}
    for r in session.execute(_DECISIONS, {"teams": wanted, "limit": limit}):
        out.setdefault(r.team_id, []).append(DecisionRef(str(r.id), r.title, r.verdict, r.link))
    return out


def team_decisions(
    session: Session, team_id: str, limit: int = DECISIONS_SHOWN
) -> list[DecisionRef]:
    """One team's decisions in force, newest first (see ``decisions_by_team``)."""
    return decisions_by_team(session, [team_id], limit).get(team_id, [])
