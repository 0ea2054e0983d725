"""The stored news of one run: clustered and ranked once, then cut for each team.

Loading reads every item of the last two weeks with one row per (item, feed). Stories are
clustered and ranked once over all of it. A team only sees the feeds it reads (the built-in
ones and its own), so a story that also draws on a feed the team does not read is rebuilt
from the entries the team may see: a title from one team's on-premises feed never reaches
another team, even merged into a public story. Teams reading the same feeds share the cut.

"Already sent" is tracked by item, and a story is skipped when any item sharing one of its
identities (link or GUID) was sent: a second outlet joining a story later does not bring it
back.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.models import Feed, NewsItem, NewsItemSource
from bot.news.compose import Digest, DigestItem, RankedNews, compose_for_team
from bot.news.dedupe import cluster_stories, entry_keys
from bot.news.normalize import Entry
from bot.news.rank import MAX_AGE, RankedStory, rank_stories
from bot.news.why import DecisionRef


def _rank_order(item: RankedStory) -> tuple[float, float, str]:
    # The order of bot.news.rank.rank_stories (score, then newest, then key), for merging
    # stories ranked apart into one list without ranking everything again.
    published = item.story.published
    return (-item.score, -published.timestamp() if published else math.inf, item.story.key)


@dataclass(frozen=True, slots=True)
class _Loaded:
    entry: Entry
    item_id: int
    feed_id: int


class NewsPool:
    """Stories of the run, ranked once; ``compose`` gives one team's digest."""

    def __init__(self, now: datetime, loaded: Sequence[_Loaded]) -> None:
        self.now = now
        self._loaded = tuple(loaded)  # keeps the entries alive: they are looked up by id()
        self._item_of = {id(row.entry): row.item_id for row in loaded}
        self._feed_of = {id(row.entry): row.feed_id for row in loaded}
        self._keys_of_item: dict[int, set[str]] = {}
        self._items_of_key: dict[str, set[int]] = {}
        for row in loaded:
            for key in entry_keys(row.entry):
                self._keys_of_item.setdefault(row.item_id, set()).add(key)
                self._items_of_key.setdefault(key, set()).add(row.item_id)
        self._ranked = rank_stories(cluster_stories(row.entry for row in loaded), now)
        self._story_feeds = {
            r.story.key: frozenset(self._feed_of[id(e)] for e in r.story.entries)
            for r in self._ranked
        }
        self._cuts: dict[frozenset[int], RankedNews] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, session: Session, now: datetime) -> NewsPool:
        """Items published (or, undated, first seen) within the ranking's two weeks."""
        since = now - MAX_AGE
        rows = session.execute(
            select(
                NewsItem.id,
                NewsItem.canonical_url,
                NewsItem.guid,
                NewsItem.title,
                NewsItem.summary,
                NewsItem.published_at,
                NewsItemSource.feed_id,
                NewsItemSource.source_name,
                Feed.url,
            )
            .join(NewsItemSource, NewsItemSource.item_id == NewsItem.id)
            .join(Feed, Feed.id == NewsItemSource.feed_id)
            .where(
                or_(
                    NewsItem.published_at >= since,
                    and_(NewsItem.published_at.is_(None), NewsItem.first_seen_at >= since),
                )
            )
            .order_by(NewsItem.id, NewsItemSource.feed_id)
        )
        loaded = [
            _Loaded(
                Entry(
                    title=r.title,
                    url=r.canonical_url or None,
                    guid=r.guid,
                    summary=r.summary or "",
                    published=r.published_at,
                    source=r.source_name,
                    feed_url=r.url,
                ),
                r.id,
                r.feed_id,
            )
            for r in rows
        ]
        return cls(now, loaded)

    @property
    def empty(self) -> bool:
        return not self._ranked

    def ranked_for(self, feed_ids: Collection[int]) -> RankedNews:
        """The ranked stories a team reading ``feed_ids`` may see (computed once per set)."""
        wanted = frozenset(feed_ids)
        with self._lock:
            cut = self._cuts.get(wanted)
            if cut is None:
                cut = self._cut(wanted)
                self._cuts[wanted] = cut
        return cut

    def _cut(self, wanted: frozenset[int]) -> RankedNews:
        whole: list[RankedStory] = []
        partial: list[Entry] = []
        for ranked in self._ranked:
            feeds = self._story_feeds[ranked.story.key]
            if feeds <= wanted:
                whole.append(ranked)
            elif not feeds.isdisjoint(wanted):
                partial.extend(e for e in ranked.story.entries if self._feed_of[id(e)] in wanted)
        if partial:
            whole = sorted(
                whole + rank_stories(cluster_stories(partial), self.now), key=_rank_order
            )
        return RankedNews(now=self.now, stories=tuple(whole))

    def keys_of(self, item_ids: Iterable[int]) -> frozenset[str]:
        """Every identity of these items: what a digest must not show again."""
        return frozenset(k for i in item_ids for k in self._keys_of_item.get(i, ()))

    def item_ids(self, item: DigestItem) -> list[int]:
        """The stored items behind a digest item: what to record as sent."""
        return sorted({i for key in item.keys for i in self._items_of_key.get(key, ())})

    def compose(
        self,
        feed_ids: Collection[int],
        *,
        limit: int,
        exclude_items: Iterable[int],
        decisions: Sequence[DecisionRef] = (),
        lang: str = "en",
        why: Mapping[str, str] | None = None,
    ) -> Digest:
        """One team's digest: its feeds, minus what it was sent, with its decisions."""
        return compose_for_team(
            self.ranked_for(feed_ids),
            limit=limit,
            already_sent=self.keys_of(exclude_items),
            decisions=decisions,
            lang=lang,
            why=why,
        )
