"""Ranking: recency half-life × topic weight × (1 + ln sources), deterministic ties."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from bot.news.dedupe import Story
from bot.news.rank import TOPIC_WEIGHTS, rank_stories, recency, score, top_items, unsent

NOW = datetime(2025, 6, 12, 12, 0, tzinfo=UTC)


def story(
    key: str,
    title: str = "Why my team stopped using Slack",  # topic "other"
    *,
    hours_ago: float | None = 0,
    sources: int = 1,
    extra_keys: tuple[str, ...] = (),
) -> Story:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    names = tuple(f"S{i}" for i in range(sources))
    return Story(
        key, frozenset((key, *extra_keys)), title, f"https://x.example/{key}", "", published, names
    )


@pytest.mark.parametrize(
    ("hours_ago", "expected"),
    [(0, 1.0), (24, math.sqrt(0.5)), (48, 0.5), (96, 0.25), (-2, 1.0), (None, 0.5)],
)
def test_recency_halves_every_48_hours(hours_ago: float | None, expected: float) -> None:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    assert recency(published, NOW) == pytest.approx(expected)


def test_recency_with_another_half_life() -> None:
    assert recency(NOW - timedelta(hours=12), NOW, timedelta(hours=12)) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("topic", "hours_ago", "sources", "expected"),
    [
        ("pricing_apis", 48, 1, 0.5),  # 0.5 × 1.0 × 1
        ("model_releases", 0, 3, 0.95 * (1 + math.log(3))),  # ≈ 1.9937
        ("research", None, 1, 0.3),  # undated: 0.5 × 0.6
        ("other", 24, 2, math.sqrt(0.5) * 0.3 * (1 + math.log(2))),
        ("no_such_topic", 0, 1, 0.0),
    ],
)
def test_score_by_hand(topic: str, hours_ago: float | None, sources: int, expected: float) -> None:
    assert score(story("k", hours_ago=hours_ago, sources=sources), topic, NOW) == pytest.approx(
        expected
    )


def test_weights_put_pricing_first_and_other_last() -> None:
    assert max(TOPIC_WEIGHTS, key=TOPIC_WEIGHTS.get) == "pricing_apis"  # type: ignore[arg-type]
    assert min(TOPIC_WEIGHTS, key=TOPIC_WEIGHTS.get) == "other"  # type: ignore[arg-type]


def test_rank_orders_by_score_and_classifies() -> None:
    stories = [
        story("old-price", "OpenAI cuts GPT-4o prices by 50%", hours_ago=96),  # 0.25
        story("fresh-other", hours_ago=0),  # 0.3
        story("fresh-release", "Anthropic unveils Claude Opus 4", hours_ago=0, sources=2),
        story("day-old-price", "Gemini Flash gets cheaper", hours_ago=24),  # 0.707
    ]
    ranked = rank_stories(stories, NOW)
    assert [r.story.key for r in ranked] == [
        "fresh-release",  # 0.95 × 1.693 ≈ 1.608
        "day-old-price",
        "fresh-other",
        "old-price",
    ]
    assert [r.topic for r in ranked] == ["model_releases", "pricing_apis", "other", "pricing_apis"]


def test_ties_break_by_date_then_key() -> None:
    # Same topic and score; undated ones come last among equals.
    stories = [story("b", hours_ago=None), story("c", hours_ago=48), story("a", hours_ago=None)]
    # c: 0.5 × 0.3 = 0.15, a and b: 0.5 × 0.3 = 0.15 (undated counts as one half-life)
    ranked = rank_stories(stories, NOW)
    assert [r.story.key for r in ranked] == ["c", "a", "b"]
    assert [r.story.key for r in rank_stories(list(reversed(stories)), NOW)] == ["c", "a", "b"]


def test_stories_past_the_max_age_are_dropped() -> None:
    stories = [story("recent", hours_ago=24 * 13), story("stale", hours_ago=24 * 15)]
    assert [r.story.key for r in rank_stories(stories, NOW)] == ["recent"]
    assert len(rank_stories(stories, NOW, max_age=None)) == 2


def test_top_items_skips_anything_already_sent_under_any_key() -> None:
    stories = [
        story("one", "OpenAI cuts GPT-4o prices by 50%", extra_keys=("alias-1",)),
        story("two", "Anthropic unveils Claude Opus 4"),
        story("three", "Meta releases Llama 4"),
        story("four", hours_ago=5),
    ]
    # "two" and "three" tie (0.95, same date), so the key decides: "three" < "two".
    picked = top_items(stories, NOW, n=2, exclude={"alias-1"})
    assert [r.story.key for r in picked] == ["three", "two"]
    assert [r.story.key for r in top_items(stories, NOW)] == ["one", "three", "two", "four"]
    assert top_items(stories, NOW, n=0) == []


def test_unsent_keeps_the_ranked_order() -> None:
    ranked = rank_stories([story(k, hours_ago=h) for k, h in (("x", 1), ("y", 2), ("z", 3))], NOW)
    assert [r.story.key for r in unsent(ranked, 5, {"y"})] == ["x", "z"]
