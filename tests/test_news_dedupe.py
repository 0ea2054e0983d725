"""cluster_stories: the same story from several feeds becomes one, listing every source."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.news.dedupe import Story, cluster_stories, entry_keys, jaccard, title_words
from bot.news.fetch import fetch_all
from bot.news.normalize import Entry, parse_feed
from tests.fakes.feed_server import FeedServer
from tests.fakes.feed_server import feed_server as feed_server_fixture  # noqa: F401

NOW = datetime(2025, 6, 12, 12, 0, tzinfo=UTC)


def entry(
    title: str,
    url: str | None = None,
    *,
    source: str = "Outlet",
    guid: str | None = None,
    hours_ago: float | None = 1,
    feed_url: str = "",
    summary: str = "",
) -> Entry:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return Entry(title, url, guid, summary, published, source, feed_url or f"https://{source}/f")


def test_the_same_story_in_three_served_feeds_is_one_story_with_three_sources(
    feed_server: FeedServer,
) -> None:
    urls = [feed_server.url(f"/same-{x}.xml") for x in "abc"]
    results = fetch_all(urls, allow_private=True)
    entries = []
    for url in urls:
        result = results[url]
        parsed = parse_feed(result.body, url, {"content-type": result.content_type or ""})
        entries.extend(parsed.entries)
    stories = cluster_stories(entries)
    assert len(entries) == 6
    assert len(stories) == 4  # the shared story + one exclusive per outlet
    (shared,) = [s for s in stories if len(s.sources) > 1]
    # Alpha and Beta share a link (tracking and fragment aside); Gamma only a near title.
    assert shared.sources == ("Alpha", "Gamma", "Beta")  # earliest published first (5, 4, 3 h)
    assert shared.title == "Mistral releases Magistral Small with open weights"  # 2 of 3 used it
    assert shared.url == "https://mistral.example/news/magistral"
    assert shared.published == feed_server.now - timedelta(hours=5)  # the earliest
    assert len(shared.entries) == 3


def test_same_canonical_url_joins_whatever_the_titles() -> None:
    stories = cluster_stories(
        [
            entry("OpenAI ships a thing", "https://a.example/x", source="A"),
            entry("Completely different words", "https://a.example/x", source="B"),
        ]
    )
    assert len(stories) == 1
    assert stories[0].sources == ("A", "B")


def test_same_uri_guid_joins_across_feeds() -> None:
    stories = cluster_stories(
        [
            entry("Alpha title here", "https://a.example/1", guid="urn:uuid:42", source="A"),
            entry("Beta words there", "https://b.example/2", guid="urn:uuid:42", source="B"),
        ]
    )
    assert len(stories) == 1


def test_a_short_guid_is_only_unique_within_its_feed() -> None:
    stories = cluster_stories(
        [
            entry("Alpha title here", "https://a.example/1", guid="1", source="A"),
            entry("Beta words there", "https://b.example/2", guid="1", source="B"),
        ]
    )
    assert len(stories) == 2


def test_the_same_guid_twice_in_one_feed_is_one_story() -> None:
    stories = cluster_stories(
        [
            entry("First spelling", None, guid="7", source="A"),
            entry("Second spelling", None, guid="7", source="A"),
        ]
    )
    assert len(stories) == 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("OpenAI cuts GPT-4o prices by half", "OpenAI cuts GPT-4o prices by half", True),
        ("OpenAI cuts GPT-4o prices by half", "OpenAI's cuts: GPT-4o prices, by half!", True),
        ("OpenAI cuts GPT-4o prices by half", "OpenAI cuts the GPT-4o prices by half", True),
        # {openai releases gpt 5 today} vs {openai releases gpt 4 today}: 4/6
        ("OpenAI releases GPT-5 today", "OpenAI releases GPT-4 today", False),
        # {google launches gemini 2 5 pro everyone} vs + {developers}: 7/8 = 0.875
        (
            "Google launches Gemini 2.5 Pro to everyone",
            "Google launches Gemini 2.5 Pro to everyone and developers",
            True,
        ),
        # {meta releases llama 4 scout maverick} vs {meta releases llama 4}: 4/6
        ("Meta releases Llama 4 Scout and Maverick", "Meta releases Llama 4", False),
        ("Import AI 401", "Import AI 402", False),
    ],
)
def test_near_identical_titles(a: str, b: str, same: bool) -> None:
    stories = cluster_stories(
        [
            entry(a, "https://a.example/1", source="A"),
            entry(b, "https://b.example/2", source="B"),
        ]
    )
    assert (len(stories) == 1) is same


def test_title_words_and_jaccard_by_hand() -> None:
    assert title_words("OpenAI's GPT-5: the new model!") == {"openai", "gpt", "5", "model"}
    assert jaccard(frozenset("abcd"), frozenset("abce")) == pytest.approx(3 / 5)
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_a_recurring_title_a_week_apart_is_two_stories() -> None:
    stories = cluster_stories(
        [
            entry("This week in AI: agents everywhere", "https://a.example/w1", hours_ago=1),
            entry("This week in AI: agents everywhere", "https://a.example/w2", hours_ago=24 * 7),
        ]
    )
    assert len(stories) == 2


def test_undated_entries_can_join_by_title() -> None:
    stories = cluster_stories(
        [
            entry("Nvidia unveils Blackwell Ultra GPUs", "https://a.example/1", hours_ago=None),
            entry("Nvidia unveils Blackwell Ultra GPUs", "https://b.example/2", source="B"),
        ]
    )
    assert len(stories) == 1
    assert stories[0].published == NOW - timedelta(hours=1)


def test_best_title_prefers_a_complete_one_then_the_majority() -> None:
    stories = cluster_stories(
        [
            entry(
                "Anthropic raises $13 billion at a $183 billion…",
                "https://x.example/a",
                source="A",
                hours_ago=5,
            ),
            entry(
                "Anthropic raises $13 billion at a $183 billion valuation",
                "https://x.example/a",
                source="B",
                hours_ago=4,
            ),
        ]
    )
    assert stories[0].title == "Anthropic raises $13 billion at a $183 billion valuation"


def test_story_keys_cover_every_member_and_the_key_is_the_leads_url() -> None:
    a = entry("Same story told once", "https://a.example/1", source="A", hours_ago=3)
    b = entry(
        "Same story told once", "https://b.example/2", source="B", guid="urn:x:1", hours_ago=2
    )
    (story,) = cluster_stories([b, a])
    assert story.key == entry_keys(a)[0]  # the earliest report leads
    assert story.keys == frozenset(entry_keys(a) + entry_keys(b))
    assert story.url == "https://a.example/1"


def test_keys_are_stable_and_short() -> None:
    one = entry_keys(entry("T", "https://a.example/" + "x" * 3000, guid="g"))
    assert one == entry_keys(entry("T", "https://a.example/" + "x" * 3000, guid="g"))
    assert all(len(k) <= 64 for k in one)
    assert one[0].startswith("u:") and one[1].startswith("g:")
    assert entry_keys(entry("No link no guid"))[0].startswith("t:")


def test_stories_come_out_in_order_of_first_appearance() -> None:
    stories = cluster_stories(
        [
            entry("First unique headline about chips", "https://a.example/1"),
            entry("Second unique headline about laws", "https://a.example/2"),
            entry("First unique headline about chips", "https://b.example/9", source="B"),
        ]
    )
    assert [s.title for s in stories] == [
        "First unique headline about chips",
        "Second unique headline about laws",
    ]
    assert isinstance(stories[0], Story)


def _synthetic(n: int, seed: int = 7) -> list[Entry]:
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(3000)] + ["ai", "model", "openai", "launches", "gpu"]
    entries = []
    for i in range(n):
        words = rng.sample(vocabulary, rng.randint(5, 12))
        if i % 10 == 0 and entries:  # one in ten is a reprint of an earlier story
            base = rng.choice(entries)
            age = (NOW - base.published).total_seconds() / 3600 if base.published else None
            entries.append(
                entry(base.title, f"https://copy.example/{i}", source=f"S{i % 20}", hours_ago=age)
            )
            continue
        entries.append(
            entry(
                " ".join(words),
                f"https://s{i % 20}.example/{i}",
                source=f"S{i % 20}",
                hours_ago=rng.uniform(0, 100),
            )
        )
    return entries


def test_a_thousand_entries_cluster_into_the_right_stories() -> None:
    """Speed is bench_digest's job (compose for 1,000 teams); this checks the result at scale."""
    stories = cluster_stories(_synthetic(1000))
    assert len(stories) == 1000 - 99  # i = 10, 20, … 990 are reprints
    assert sum(len(s.entries) for s in stories) == 1000


def test_prefix_filtering_finds_what_comparing_every_pair_finds() -> None:
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(40)]  # small: many near-duplicates
    entries = [
        entry(" ".join(rng.sample(vocabulary, rng.randint(3, 8))), f"https://x/{i}", hours_ago=None)
        for i in range(300)
    ]
    stories = cluster_stories(entries)
    # Brute force: union every pair at Jaccard >= 0.8.
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    words = [title_words(e.title) for e in entries]
    for i in range(len(entries)):
        for j in range(i):
            if jaccard(words[i], words[j]) >= 0.8:
                parent[find(i)] = find(j)
    assert len(stories) == len({find(i) for i in range(len(entries))})
