"""A digest for one team: the best stories it has not seen, each with why it matters.

Composing is split so a run serving many teams does the expensive part once:
``rank_once`` classifies and scores the shared stories, then ``compose_for_team`` only skips
what the team was already sent and attaches the team's decisions. Everything here is pure:
plain dataclasses in, plain dataclasses out, ready for a storage layer to persist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.news.dedupe import Story
from bot.news.rank import DEFAULT_LIMIT, HALF_LIFE, RankedStory, rank_stories, unsent
from bot.news.why import DecisionRef, decision_links, why_it_matters

__all__ = [
    "DecisionRef",
    "Digest",
    "DigestItem",
    "RankedNews",
    "compose_digest",
    "compose_for_team",
    "rank_once",
]


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One story as a team receives it. ``keys`` are what to record as sent."""

    title: str
    url: str | None
    sources: tuple[str, ...]
    published: datetime | None
    topic: str
    why: str
    decisions: tuple[DecisionRef, ...]
    key: str
    keys: frozenset[str]
    summary: str = ""
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Digest:
    """The digest for one team at one moment, in one language."""

    generated_at: datetime
    lang: str
    items: tuple[DigestItem, ...]

    def sent_keys(self) -> frozenset[str]:
        """Every key to record as sent, so none of these stories comes back under another link."""
        return frozenset(k for item in self.items for k in item.keys)


@dataclass(frozen=True, slots=True)
class RankedNews:
    """The shared stories of one run, ranked once for every team."""

    now: datetime
    stories: tuple[RankedStory, ...]


def rank_once(
    stories: Iterable[Story], now: datetime, *, half_life: timedelta = HALF_LIFE
) -> RankedNews:
    """Classify and score the run's stories once; hand the result to ``compose_for_team``."""
    return RankedNews(now=now, stories=tuple(rank_stories(stories, now, half_life=half_life)))


def _item(
    ranked: RankedStory, lang: str, decisions: Sequence[DecisionRef], why: str | None
) -> DigestItem:
    story = ranked.story
    return DigestItem(
        title=story.title,
        url=story.url,
        sources=story.sources,
        published=story.published,
        topic=ranked.topic,
        why=why or why_it_matters(story.title, story.summary, ranked.topic, lang),
        decisions=tuple(decision_links(ranked.topic, decisions, story.title, story.summary)),
        key=story.key,
        keys=story.keys,
        summary=story.summary,
        score=ranked.score,
    )


def compose_for_team(
    ranked: RankedNews,
    *,
    limit: int = DEFAULT_LIMIT,
    already_sent: Collection[str] = frozenset(),
    decisions: Sequence[DecisionRef] = (),
    lang: str = "en",
    why: Mapping[str, str] | None = None,
) -> Digest:
    """The team's digest: the top ``limit`` stories none of whose keys it was sent before.

    ``why`` optionally maps story keys to sentences written elsewhere (the batched LLM call);
    stories it does not cover get the offline sentence.
    """
    sentences = why or {}
    items = tuple(
        _item(r, lang, decisions, sentences.get(r.story.key))
        for r in unsent(ranked.stories, limit, already_sent)
    )
    return Digest(generated_at=ranked.now, lang=lang, items=items)


def compose_digest(
    stories: Iterable[Story],
    *,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    already_sent: Collection[str] = frozenset(),
    decisions: Sequence[DecisionRef] = (),
    lang: str = "en",
) -> Digest:
    """``rank_once`` and ``compose_for_team`` in one call, for a single team."""
    return compose_for_team(
        rank_once(stories, now),
        limit=limit,
        already_sent=already_sent,
        decisions=decisions,
        lang=lang,
    )
