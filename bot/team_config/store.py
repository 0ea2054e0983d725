"""Reading a team's settings as one ``TeamConfig``, and saving a change with its audit entry."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.models import AuditEntry, DigestRecipient, Feed, TeamAdmin, TeamFeed, Workspace
from bot.news.canonical import canonical_url
from bot.team_config.form import FeedChange, TeamConfig
from bot.workspaces import team_settings

log = logging.getLogger(__name__)

SETTINGS_ACTION = "settings.update"
MANAGER = "manager"
HISTORY_SIZE = 5
# The settings a team's ``TeamSettings`` row holds under the same names as ``TeamConfig``'s;
# the people and the feeds live in tables of their own.
_COLUMNS = tuple(
    f.name for f in fields(TeamConfig) if f.name not in {"managers", "admins", "feeds"}
)


@dataclass(frozen=True)
class TeamFeedRef:
    id: int
    url: str
    title: str | None


@dataclass(frozen=True)
class Change:
    """One audit entry as admins see it: who, when, and each field before and after."""

    user_id: str
    at: datetime
    changes: dict[str, dict[str, Any]]


def team_feeds(session: Session, team_id: str) -> list[TeamFeedRef]:
    rows = session.execute(
        select(Feed.id, Feed.url, Feed.title)
        .join(TeamFeed, TeamFeed.feed_id == Feed.id)
        .where(TeamFeed.team_id == team_id)
        .order_by(TeamFeed.created_at, Feed.id)
    )
    return [TeamFeedRef(id=r.id, url=r.url, title=r.title) for r in rows]


def load_config(session: Session, team_id: str, fallback_tz: str | None = None) -> TeamConfig:
    """The team's settings; the time zone defaults to the installer's, then ``fallback_tz``."""
    row = team_settings(session, team_id)
    installer_tz = session.scalar(
        select(Workspace.installer_tz).where(Workspace.team_id == team_id)
    )
    managers = session.scalars(
        select(DigestRecipient.user_id).where(
            DigestRecipient.team_id == team_id, DigestRecipient.role == MANAGER
        )
    )
    admins = session.scalars(select(TeamAdmin.user_id).where(TeamAdmin.team_id == team_id))
    stored = {name: getattr(row, name) for name in _COLUMNS}
    stored["timezone"] = row.timezone or installer_tz or fallback_tz or "UTC"
    return TeamConfig(
        **stored,
        managers=tuple(sorted(managers)),
        admins=tuple(sorted(admins)),
        feeds=tuple(f.url for f in team_feeds(session, team_id)),
    )


def diff(before: TeamConfig, after: TeamConfig) -> dict[str, dict[str, Any]]:
    """``{field: {"before": x, "after": y}}`` for each field that changed (JSON-ready)."""
    old, new = asdict(before), asdict(after)
    return {
        f.name: {"before": _plain(old[f.name]), "after": _plain(new[f.name])}
        for f in fields(TeamConfig)
        if old[f.name] != new[f.name]
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _apply_feeds(
    session: Session, team_id: str, user_id: str, change: FeedChange, feed_title: str | None
) -> None:
    if change.remove_ids:
        session.execute(
            delete(TeamFeed).where(
                TeamFeed.team_id == team_id, TeamFeed.feed_id.in_(change.remove_ids)
            )
        )
    if change.add_url:
        url = canonical_url(change.add_url)
        feed = session.scalar(select(Feed).where(Feed.url == url))
        if feed is None:
            feed = Feed(url=url, title=feed_title[:300] if feed_title else None)
            session.add(feed)
            session.flush()
        if session.get(TeamFeed, (team_id, feed.id)) is None:
            session.add(TeamFeed(team_id=team_id, feed_id=feed.id, added_by=user_id))
    session.flush()


def _replace_people(
    session: Session, team_id: str, user_id: str, before: TeamConfig, after: TeamConfig
) -> None:
    gone_managers = set(before.managers) - set(after.managers)
    if gone_managers:
        session.execute(
            delete(DigestRecipient).where(
                DigestRecipient.team_id == team_id,
                DigestRecipient.role == MANAGER,
                DigestRecipient.user_id.in_(gone_managers),
            )
        )
    for uid in sorted(set(after.managers) - set(before.managers)):
        session.add(DigestRecipient(team_id=team_id, user_id=uid, role=MANAGER))
    gone_admins = set(before.admins) - set(after.admins)
    if gone_admins:
        session.execute(
            delete(TeamAdmin).where(
                TeamAdmin.team_id == team_id, TeamAdmin.user_id.in_(gone_admins)
            )
        )
    for uid in sorted(set(after.admins) - set(before.admins)):
        session.add(TeamAdmin(team_id=team_id, user_id=uid, added_by=user_id))


def save_config(
    session: Session,
    team_id: str,
    user_id: str,
    config: TeamConfig,
    feeds: FeedChange,
    now: datetime,
    *,
    feed_title: str | None = None,
    fallback_tz: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Apply a validated change and audit it; returns what changed (empty: nothing did).

    ``config.feeds`` is ignored: feeds change through ``feeds`` (add one, remove some).
    """
    before = load_config(session, team_id, fallback_tz)
    row = team_settings(session, team_id)
    for name in _COLUMNS:
        setattr(row, name, getattr(config, name))
    _replace_people(session, team_id, user_id, before, config)
    _apply_feeds(session, team_id, user_id, feeds, feed_title)
    after = load_config(session, team_id, fallback_tz)
    changes = diff(before, after)
    if changes:
        session.add(
            AuditEntry(
                team_id=team_id,
                user_id=user_id,
                action=SETTINGS_ACTION,
                changes=changes,
                created_at=now,
            )
        )
        log.info(
            "settings changed team=%s by=%s fields=%s", team_id, user_id, ",".join(sorted(changes))
        )
    return changes


def recent_changes(session: Session, team_id: str, limit: int = HISTORY_SIZE) -> list[Change]:
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.team_id == team_id, AuditEntry.action == SETTINGS_ACTION)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [Change(e.user_id, e.created_at, dict(e.changes or {})) for e in entries]
