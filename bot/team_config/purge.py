"""Deleting everything the app keeps about one workspace, and saying beforehand what will go.

Every table with a ``team_id`` column is emptied for the team (``bot.models.team_tables``), the
installation tokens included, so a reinstall starts from a blank workspace with default
settings. The feeds the team added that no other team reads go too (their URLs can hold
credentials), with the stories only they brought; feeds and stories others read stay.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session, aliased

from bot.audit import PURGED, SYSTEM, audit
from bot.db import rowcount
from bot.models import (
    BOTS_TABLE,
    INSTALLATIONS_TABLE,
    Base,
    DigestSentItem,
    Feed,
    NewsItem,
    NewsItemSource,
    TeamFeed,
    team_tables,
    utcnow,
)

log = logging.getLogger(__name__)


def _tables() -> list[Table]:
    """The team's tables, children before parents so foreign keys never object."""
    names = set(team_tables()) | {INSTALLATIONS_TABLE.name, BOTS_TABLE.name}
    ordered = [t for t in Base.metadata.sorted_tables if t.name in names]
    return list(reversed(ordered))


def team_data_counts(session: Session, team_id: str) -> dict[str, int]:
    """Rows per table the team has, for the tables where it has any."""
    counts: dict[str, int] = {}
    for table in _tables():
        count = session.scalar(
            select(func.count()).select_from(table).where(table.c.team_id == team_id)
        )
        if count:
            counts[table.name] = int(count)
    return counts


def purge_team(
    session: Session, team_id: str, *, by: str = SYSTEM, now: datetime | None = None
) -> dict[str, int]:
    """Delete every row of ``team_id`` in every team table; returns rows deleted per table.

    The one row left is the purge's own audit entry (who, when, how many rows per table).
    Runs in the caller's transaction: commit it to make the purge stick, all or nothing.
    """
    if not team_id:
        raise ValueError("purge_team needs a team id")
    own_feeds = _feeds_only_of(session, team_id)
    deleted: dict[str, int] = {}
    for table in _tables():
        result = session.execute(delete(table).where(table.c.team_id == team_id))
        if rowcount(result):
            deleted[table.name] = int(rowcount(result))
    if own_feeds:
        deleted.update(_delete_feeds(session, own_feeds))
    session.expunge_all()  # objects loaded before are gone from the database
    audit(session, team_id, by, PURGED, now or utcnow(), deleted=deleted)
    log.info("purged team=%s: %d rows from %d tables", team_id, sum(deleted.values()), len(deleted))
    return deleted


def _feeds_only_of(session: Session, team_id: str) -> list[int]:
    """Feeds ``team_id`` added that no other team has (built-in feeds are no team's)."""
    other = aliased(TeamFeed)
    shared = select(other.feed_id).where(
        other.feed_id == TeamFeed.feed_id, other.team_id != team_id
    )
    return list(
        session.scalars(
            select(TeamFeed.feed_id).where(TeamFeed.team_id == team_id, ~shared.exists())
        )
    )


def _delete_feeds(session: Session, feed_ids: list[int]) -> dict[str, int]:
    """The feeds, and the stories no other feed carried."""
    other = aliased(NewsItemSource)
    elsewhere = select(other.item_id).where(
        other.item_id == NewsItemSource.item_id, other.feed_id.not_in(feed_ids)
    )
    items = list(
        session.scalars(
            select(NewsItemSource.item_id)
            .where(NewsItemSource.feed_id.in_(feed_ids), ~elsewhere.exists())
            .distinct()
        )
    )
    deleted: dict[str, int] = {}
    steps = [
        (NewsItemSource, NewsItemSource.feed_id.in_(feed_ids)),
        (DigestSentItem, DigestSentItem.item_id.in_(items)),
        (NewsItem, NewsItem.id.in_(items)),
        (Feed, Feed.id.in_(feed_ids)),
    ]
    for model, condition in steps:
        count = rowcount(session.execute(delete(model).where(condition)))
        if count:
            name = model.__tablename__
            deleted[name] = deleted.get(name, 0) + int(count)
    return deleted
