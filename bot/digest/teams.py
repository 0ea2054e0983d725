"""Who gets a digest, when, and from which feeds: each team's settings read in a few queries.

A team that configured nothing still gets its digest: weekly on Monday at 09:00 in the
installer's time zone, by DM to the installer when there is neither a channel nor anyone on
the recipients list (so the default is useful, not silent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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


def _readers(rows: list[DigestRecipient], installer: str | None,
             installed_at: datetime, has_channel: bool) -> tuple[Reader, ...]:
    readers: dict[str, Reader] = {}
    for row in sorted(rows, key=lambda r: (r.role != MANAGER, r.user_id)):
        known = readers.get(row.user_id)
        since = min(known.since, row.created_at) if known else row.created_at
        readers[row.user_id] = Reader(row.user_id, known.role if known else row.role, since)
    if not readers and not has_channel and installer:
        readers[installer] = Reader(installer, INSTALLER, installed_at)
    return tuple(sorted(readers.values(), key=lambda r: r.user_id))


def load_plans(session: Session, *, team_id: str | None = None,
               include_disabled: bool = False) -> list[TeamPlan]:
    """Plans of installed teams, or of the one team ``team_id`` (whatever its state: it is
    asking); teams with digests switched off only if asked."""
    query = (select(Workspace, TeamSettings)
             .join(TeamSettings, TeamSettings.team_id == Workspace.team_id))
    if team_id is None:
        query = query.where(Workspace.uninstalled_at.is_(None))
    else:
        query = query.where(Workspace.team_id == team_id)
    if not include_disabled:
        query = query.where(TeamSettings.digest_enabled.is_(True))
    teams = session.execute(query.order_by(Workspace.team_id)).all()
    if not teams:
        return []
    recipients_query = select(DigestRecipient)
    if team_id is not None:
        recipients_query = recipients_query.where(DigestRecipient.team_id == team_id)
    recipients: dict[str, list[DigestRecipient]] = {}
    for row in session.scalars(recipients_query):
        recipients.setdefault(row.team_id, []).append(row)
    defaults = default_feed_ids(session)
    own_feeds = team_feed_ids(session, team_id)
    plans = []
    for workspace, settings in teams:
        tid = workspace.team_id
        plans.append(TeamPlan(
            team_id=tid,
            enterprise_id=workspace.enterprise_id,
            lang=settings.language if settings.language in LANGUAGES else DEFAULT_LANGUAGE,
            limit=max(1, settings.digest_items or 8),
            channel_id=settings.digest_channel_id or None,
            tz=team_zone_name(settings.timezone, workspace.installer_tz),
            schedule=Schedule.parse(settings.digest_days, settings.digest_time),
            llm_enabled=bool(settings.llm_enabled),
            llm_model=settings.llm_model or None,
            since=workspace.installed_at,
            readers=_readers(recipients.get(tid, []), workspace.installer_user_id,
                             workspace.installed_at, bool(settings.digest_channel_id)),
            feed_ids=defaults | frozenset(own_feeds.get(tid, ())),
            enabled=bool(settings.digest_enabled),
        ))
    return plans


def team_decisions(session: Session, team_id: str,
                   limit: int = DECISIONS_SHOWN) -> list[DecisionRef]:
    """The team's decisions still in force, newest first: what a story can bear on."""
    rows = session.execute(
        select(Decision.id, Decision.title, Decision.verdict)
        .where(Decision.team_id == team_id, Decision.status.in_(ACTIVE_STATUSES))
        .order_by(Decision.created_at.desc(), Decision.id.desc()).limit(limit)
    )
    return [DecisionRef(str(r.id), r.title, r.verdict) for r in rows]
