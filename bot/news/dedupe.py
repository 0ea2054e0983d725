"""Many feeds, one story: clustering entries that report the same news.

Two entries are the same story when they share a canonical URL, a GUID, or a near-identical
title (Jaccard similarity of their title words at least 0.8) published within a few days of
each other (a weekly column keeps its title; it is not one story).

Titles are compared with prefix filtering (Bayardo et al., "Scaling up all pairs similarity
search"): words are ordered rarest first, and two titles whose similarity reaches the
threshold must share one of the first ``n - ceil(t * n) + 1`` words of each, so only titles
sharing a rare word are ever compared. A thousand entries cluster in a few milliseconds.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.news.normalize import Entry

TITLE_SIMILARITY = 0.8
SAME_STORY_WINDOW = timedelta(hours=72)

_POSSESSIVE = re.compile(r"['’]s\b")
_NON_WORD = re.compile(r"[\W_]+")
# Words that say nothing about which story it is; dropping them makes "OpenAI cuts prices"
# and "OpenAI cuts its prices" one story.
_FILLER = (
    "a an the and or of to in on for with at by from as is are its it this that new "
    "le la les un une des de du et ou en au aux pour par sur avec est son sa ses"
)
STOPWORDS: frozenset[str] = frozenset(_FILLER.split())


@dataclass(frozen=True, slots=True)
class Story:
    """One news story, possibly reported by several outlets.

    ``keys`` holds the identity of every entry in the story (URL and GUID keys), so a story
    already sent under one outlet's link is recognised when a second outlet joins it.
    """

    key: str
    keys: frozenset[str]
    title: str
    url: str | None
    summary: str
    published: datetime | None
    sources: tuple[str, ...]
    entries: tuple[Entry, ...] = ()


def _digest(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.blake2b(value.encode('utf-8'), digest_size=12).hexdigest()}"


def _guid_scope(entry: Entry) -> str | None:
    if not entry.guid:
        return None
    # A GUID is only unique within its feed unless it is a URI (http:, urn:, tag:…).
    if ":" in entry.guid:
        return entry.guid
    return f"{entry.feed_url or entry.source}#{entry.guid}"


def entry_keys(entry: Entry) -> list[str]:
    """Stable identities of an entry: its canonical URL and its GUID, hashed to a fixed size."""
    keys = []
    if entry.url:
        keys.append(_digest("u", entry.url))
    guid = _guid_scope(entry)
    if guid:
        keys.append(_digest("g", guid))
    if not keys:
        keys.append(_digest("t", f"{entry.source}\n{entry.title}"))
    return keys


def title_words(title: str) -> frozenset[str]:
    """The words a title is compared on: lower-cased, punctuation and filler words dropped."""
    text = _NON_WORD.sub(" ", _POSSESSIVE.sub("", title.lower()))
    return frozenset(word for word in text.split() if word not in STOPWORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    if not a and not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


class _Clusters:
    """Union-find over entry indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _close_in_time(a: datetime | None, b: datetime | None, window: timedelta) -> bool:
    return a is None or b is None or abs(a - b) <= window


def _prefix_length(size: int, threshold: float) -> int:
    return size - math.ceil(threshold * size - 1e-9) + 1


def _join_similar_titles(
    entries: Sequence[Entry], clusters: _Clusters, threshold: float, window: timedelta
) -> None:
    words = [title_words(e.title) for e in entries]
    frequency = Counter(word for ws in words for word in ws)
    index: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(words):
        if not ws:
            continue
        ordered = sorted(ws, key=lambda w: (frequency[w], w))
        candidates: set[int] = set()
        for word in ordered[: _prefix_length(len(ws), threshold)]:
            candidates.update(index[word])
            index[word].append(i)
        for j in candidates:
            small, large = sorted((len(ws), len(words[j])))
            if small < threshold * large:
                continue
            if jaccard(ws, words[j]) >= threshold and _close_in_time(
                entries[i].published, entries[j].published, window
            ):
                clusters.union(i, j)


_DAWN = datetime.min.replace(tzinfo=UTC)


def _earliest_first(entry: Entry) -> tuple[bool, datetime]:
    return (entry.published is None, entry.published or _DAWN)


def _is_cut(title: str) -> bool:
    return title.endswith(("…", "..."))


def _best_title(members: Sequence[Entry]) -> str:
    """The title most outlets used; among ties, a complete one, then the first reported."""
    counts = Counter(e.title for e in members)
    order: dict[str, int] = {}
    for rank, entry in enumerate(members):
        order.setdefault(entry.title, rank)
    return min(counts, key=lambda t: (_is_cut(t), -counts[t], order[t]))


def _story(members: list[tuple[Entry, list[str]]]) -> Story:
    if len(members) == 1:  # most stories: skip the sorting and voting
        ((only, keys),) = members
        return Story(
            keys[0],
            frozenset(keys),
            only.title,
            only.url,
            only.summary,
            only.published,
            (only.source,),
            (only,),
        )
    members = sorted(members, key=lambda m: _earliest_first(m[0]))  # stable: feed order on ties
    ordered = [e for e, _ in members]
    lead, lead_keys = next(((e, k) for e, k in members if e.url), members[0])
    summary = lead.summary or next((e.summary for e in ordered if e.summary), "")
    return Story(
        key=lead_keys[0],
        keys=frozenset(k for _, keys in members for k in keys),
        title=_best_title(ordered),
        url=lead.url,
        summary=summary,
        published=min((e.published for e in ordered if e.published), default=None),
        sources=tuple(dict.fromkeys(e.source for e in ordered)),
        entries=tuple(ordered),
    )


def cluster_stories(
    entries: Iterable[Entry],
    *,
    threshold: float = TITLE_SIMILARITY,
    window: timedelta = SAME_STORY_WINDOW,
) -> list[Story]:
    """Group entries into stories, in the order each story first appears in ``entries``."""
    items = list(entries)
    keys = [entry_keys(e) for e in items]
    clusters = _Clusters(len(items))
    first_with_key: dict[str, int] = {}
    for i, own in enumerate(keys):
        for key in own:
            if key.startswith("t:"):
                continue
            seen = first_with_key.setdefault(key, i)
            if seen != i:
                clusters.union(i, seen)
    _join_similar_titles(items, clusters, threshold, window)
    groups: dict[int, list[tuple[Entry, list[str]]]] = defaultdict(list)
    for i, entry in enumerate(items):
        groups[clusters.find(i)].append((entry, keys[i]))
    return [_story(groups[root]) for root in sorted(groups)]
