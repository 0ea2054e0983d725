"""Feeds and news items in the database: what the fetch job writes and the digests read.

One ``feeds`` row per canonical URL, shared by every team that uses it, carrying what a
conditional GET needs (``ETag``, ``Last-Modified``) and how the last fetch went, with an
exponential back-off for a feed that keeps failing. One ``news_items`` row per article link
(its key is the hash of the canonical URL, or of the GUID for a link-less entry), with one
``news_item_sources`` row per feed that carried it. Near-identical stories with different
links stay separate rows and are merged into one story when digests are composed
(``bot.digest.pool``), because a second outlet may report a story days after the first.

Writes are idempotent INSERT … ON CONFLICT DO NOTHING, so two workers fetching at once
store each item once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.digest.sql import insert_for
from bot.models import Feed, NewsItem, NewsItemSource, TeamFeed, Workspace
from bot.news.canonical import canonical_url
from bot.news.dedupe import entry_keys
from bot.news.feeds import DEFAULT_FEEDS, FeedSource, default_name
from bot.news.normalize import Entry
from bot.news.topics import classify

if TYPE_CHECKING:  # the web process composes digests; only the worker fetches (httpx)
    from bot.news.fetch import FetchResult

log = logging.getLogger(__name__)

URL_CHARS = 2000
SOURCE_CHARS = 200
ERROR_CHARS = 1000
BACKOFF_START = timedelta(minutes=30)
BACKOFF_MAX = timedelta(hours=24)
KEEP_ITEMS = timedelta(days=60)
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class FeedToFetch:
    """A feed row as the fetch job needs it: where, what to call it, how to ask conditionally."""

    id: int
    url: str
    name: str | None
    etag: str | None
    last_modified: str | None


def ensure_feed(session: Session, url: str, title: str | None = None) -> Feed:
    """The row of a feed URL (canonical), created on first use."""
    canonical = canonical_url(url)
    feed = session.scalar(select(Feed).where(Feed.url == canonical))
    if feed is None:
        session.execute(
            insert_for(session)(Feed)
            .values(url=canonical, title=title, error_count=0)
            .on_conflict_do_nothing(index_elements=["url"])
        )
        feed = session.scalar(select(Feed).where(Feed.url == canonical))
        assert feed is not None
    return feed


def default_feed_ids(
    session: Session, defaults: Sequence[FeedSource] | None = None
) -> frozenset[int]:
    """Ids of the built-in feeds (every team reads them), rows created when missing."""
    chosen = DEFAULT_FEEDS if defaults is None else defaults
    names = {canonical_url(f.url): f.name for f in chosen}
    found = dict(session.execute(select(Feed.url, Feed.id).where(Feed.url.in_(names))).all())
    for url in names.keys() - found.keys():
        found[url] = ensure_feed(session, url, names[url]).id
    return frozenset(found.values())


def team_feed_ids(session: Session, teams: Collection[str] | None = None) -> dict[str, set[int]]:
    """Team id -> ids of the feeds its admins added (active workspaces only; of ``teams``
    only, if given)."""
    query = (
        select(TeamFeed.team_id, TeamFeed.feed_id)
        .join(Workspace, Workspace.team_id == TeamFeed.team_id)
        .where(Workspace.uninstalled_at.is_(None))
    )
    if teams is not None:
        query = query.where(TeamFeed.team_id.in_(sorted(teams)))
    out: dict[str, set[int]] = {}
    for row in session.execute(query):
        out.setdefault(row.team_id, set()).add(row.feed_id)
    return out


def feeds_due(
    session: Session, now: datetime, defaults: Sequence[FeedSource] | None = None
) -> list[FeedToFetch]:
    """Each distinct feed in use (built-in or any team's) that is not backing off, once."""
    wanted = set(default_feed_ids(session, defaults))
    for ids in team_feed_ids(session).values():
        wanted |= ids
    if not wanted:
        return []
    rows = session.scalars(select(Feed).where(Feed.id.in_(wanted)).order_by(Feed.id))
    return [
        FeedToFetch(f.id, f.url, default_name(f.url) or f.title, f.etag, f.last_modified)
        for f in rows
        if f.next_fetch_at is None or f.next_fetch_at <= now
    ]


def backoff(error_count: int) -> timedelta:
    """How long a failing feed rests: 30 min, 1 h, 2 h… capped at a day."""
    steps = max(error_count - 1, 0)
    return min(BACKOFF_START * (2 ** min(steps, 10)), BACKOFF_MAX)


def record_fetch(
    session: Session,
    feed_id: int,
    result: FetchResult,
    now: datetime,
    *,
    parse_error: str | None = None,
    title: str | None = None,
) -> None:
    """How the fetch went: validators for next time, or the error and the back-off."""
    feed = session.get(Feed, feed_id)
    if feed is None:  # removed while we fetched it
        return
    feed.last_fetched_at = now
    if result.status == "error" or parse_error:
        code = result.error_code or "parse"
        detail = result.error or parse_error or code
        feed.last_status = "error"
        feed.last_error = " ".join(f"{code}: {detail}".split())[:ERROR_CHARS]
        feed.error_count = (feed.error_count or 0) + 1
        feed.next_fetch_at = now + backoff(feed.error_count)
        return
    feed.last_status = result.status
    feed.last_error = None
    feed.error_count = 0
    feed.next_fetch_at = None
    feed.etag = (result.etag or None) and result.etag[:500]
    feed.last_modified = (result.last_modified or None) and result.last_modified[:100]
    if title and not feed.title:
        feed.title = title[:300]


def _chunks(values: list[dict], size: int = _CHUNK) -> Iterable[list[dict]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def store_entries(session: Session, feed_id: int, entries: Iterable[Entry], now: datetime) -> int:
    """Store a feed's entries; returns how many items are new. Known items are left as first
    seen (a later edit of a title does not make it a new story)."""
    by_key: dict[str, Entry] = {}
    for entry in entries:
        if entry.url and len(entry.url) > URL_CHARS:
            log.info("skipped an entry whose link is longer than %d characters", URL_CHARS)
            continue
        by_key.setdefault(entry_keys(entry)[0], entry)
    if not by_key:
        return 0
    keys = list(by_key)
    known = set(session.scalars(select(NewsItem.key).where(NewsItem.key.in_(keys))))
    fresh = [
        {
            "key": key,
            "canonical_url": e.url or "",
            "guid": e.guid,
            "title": e.title,
            "summary": e.summary,
            "published_at": e.published,
            "topic": classify(e.title, e.summary),
            "first_seen_at": now,
        }
        for key, e in by_key.items()
        if key not in known
    ]
    for chunk in _chunks(fresh):
        session.execute(
            insert_for(session)(NewsItem)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    ids = dict(
        session.execute(select(NewsItem.key, NewsItem.id).where(NewsItem.key.in_(keys))).all()
    )
    sources = [
        {
            "item_id": ids[key],
            "feed_id": feed_id,
            "source_name": e.source[:SOURCE_CHARS],
            "url": e.url or "",
        }
        for key, e in by_key.items()
        if key in ids
    ]
    for chunk in _chunks(sources):
        session.execute(
            insert_for(session)(NewsItemSource)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["item_id", "feed_id"])
        )
    return len(fresh)


def prune_items(session: Session, now: datetime, keep: timedelta = KEEP_ITEMS) -> int:
    """Forget items first seen long ago (their sources and sent marks go with them)."""
    result = session.execute(
        delete(NewsItem)
        .where(NewsItem.first_seen_at < now - keep)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) or 0
