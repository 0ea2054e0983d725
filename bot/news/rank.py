"""Which stories a manager should read first: fresh, relevant to build-vs-buy, widely reported.

score = recency × topic weight × (1 + ln(number of sources))

Recency halves every ``half_life`` (48 hours by default); a story with no date counts as one
half-life old, neither fresh nor stale. Ties are broken by date (newest first), then by key,
so two runs over the same stories give the same digest.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.news.dedupe import Story
from bot.news.topics import classify

HALF_LIFE = timedelta(hours=48)
MAX_AGE = timedelta(days=14)
DEFAULT_LIMIT = 8

# How much a topic moves a build-vs-buy decision: prices and releases change the wrap/buy
# arithmetic this week; research rarely changes anything before a vendor ships it.
TOPIC_WEIGHTS: Mapping[str, float] = {
    "pricing_apis": 1.0,
    "model_releases": 0.95,
    "open_weights": 0.95,
    "policy_regulation": 0.8,
    "compute_infrastructure": 0.8,
    "funding_deals": 0.75,
    "research": 0.6,
    "other": 0.3,
}


@dataclass(frozen=True, slots=True)
class RankedStory:
    """A story with its topic and score, computed once and shared by every team."""

    story: Story
    topic: str
    score: float


def recency(published: datetime | None, now: datetime, half_life: timedelta = HALF_LIFE) -> float:
    """1 for a story published now, 0.5 one half-life later; 0.5 when the date is unknown."""
    if published is None:
        return 0.5
    age = max((now - published) / half_life, 0.0)
    return 0.5**age


def score(
    story: Story,
    topic: str,
    now: datetime,
    *,
    half_life: timedelta = HALF_LIFE,
    weights: Mapping[str, float] = TOPIC_WEIGHTS,
) -> float:
    """The ranking score of one story (see the module docstring)."""
    sources = max(len(story.sources), 1)
    return (
        recency(story.published, now, half_life) * weights.get(topic, 0.0) * (1 + math.log(sources))
    )


def _order(item: RankedStory) -> tuple[float, float, str]:
    published = item.story.published
    newest_first = -published.timestamp() if published else math.inf
    return (-item.score, newest_first, item.story.key)


def rank_stories(
    stories: Iterable[Story],
    now: datetime,
    *,
    half_life: timedelta = HALF_LIFE,
    weights: Mapping[str, float] = TOPIC_WEIGHTS,
    max_age: timedelta | None = MAX_AGE,
) -> list[RankedStory]:
    """Every story classified and scored, best first; stories older than ``max_age`` dropped."""
    ranked = []
    for story in stories:
        if max_age is not None and story.published and now - story.published > max_age:
            continue
        topic = classify(story.title, story.summary)
        points = score(story, topic, now, half_life=half_life, weights=weights)
        ranked.append(RankedStory(story, topic, points))
    ranked.sort(key=_order)
    return ranked


def unsent(
    ranked: Iterable[RankedStory], n: int, exclude: Collection[str] = frozenset()
) -> list[RankedStory]:
    """The first ``n`` ranked stories none of whose keys is in ``exclude``."""
    picked: list[RankedStory] = []
    if n <= 0:
        return picked
    for item in ranked:
        if exclude and not item.story.keys.isdisjoint(exclude):
            continue
        picked.append(item)
        if len(picked) == n:
            break
    return picked


def top_items(
    stories: Iterable[Story],
    now: datetime,
    n: int = DEFAULT_LIMIT,
    exclude: Collection[str] = frozenset(),
    *,
    half_life: timedelta = HALF_LIFE,
) -> list[RankedStory]:
    """The ``n`` best stories not already sent (``exclude`` holds story keys)."""
    return unsent(rank_stories(stories, now, half_life=half_life), n, exclude)
