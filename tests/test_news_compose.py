"""compose_digest / rank_once + compose_for_team: per-team digests, and their cost at scale."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bot.i18n import t
from bot.news.compose import (
    DecisionRef,
    Digest,
    compose_digest,
    compose_for_team,
    rank_once,
)
from bot.news.dedupe import Story, cluster_stories
from bot.news.normalize import Entry

NOW = datetime(2025, 6, 12, 12, 0, tzinfo=UTC)


def story(key: str, title: str, hours_ago: float = 1, sources: int = 1) -> Story:
    return Story(
        key,
        frozenset({key, f"alias-{key}"}),
        title,
        f"https://x.example/{key}",
        f"Summary of {key}.",
        NOW - timedelta(hours=hours_ago),
        tuple(f"Outlet {i}" for i in range(sources)),
    )


STORIES = [
    story("price", "OpenAI cuts GPT-4o prices by 50%", hours_ago=2, sources=3),
    story("llama", "Meta releases Llama 4", hours_ago=3),
    story("raise", "Anthropic raises $13 billion", hours_ago=4),
    story("act", "EU AI Act obligations take effect", hours_ago=5),
    story("misc", "Why my team stopped using Slack", hours_ago=1),
]
DECISIONS = [
    DecisionRef("d1", "Support bot on GPT", "wrap"),
    DecisionRef("d2", "Self-host Llama for contracts", "fine_tune"),
]


def test_a_digest_ranks_explains_and_links_decisions() -> None:
    digest = compose_digest(STORIES, now=NOW, limit=3, decisions=DECISIONS, lang="en")
    assert isinstance(digest, Digest)
    assert digest.generated_at == NOW
    assert [i.key for i in digest.items] == ["price", "llama", "act"]
    price, llama, act = digest.items
    assert price.topic == "pricing_apis"
    assert price.sources == ("Outlet 0", "Outlet 1", "Outlet 2")
    assert price.url == "https://x.example/price"
    assert price.published == NOW - timedelta(hours=2)
    assert price.why == t("news.why.pricing_apis.price_cut", "en")
    assert [d.id for d in price.decisions] == ["d1"]  # pricing bears on wrap
    assert [d.id for d in llama.decisions] == ["d2"]  # open weights bear on fine_tune
    assert [d.id for d in act.decisions] == ["d1", "d2"]  # policy bears on everything
    assert digest.sent_keys() == frozenset(
        {"price", "alias-price", "llama", "alias-llama", "act", "alias-act"}
    )


def test_stories_already_sent_under_any_key_are_skipped() -> None:
    digest = compose_digest(STORIES, now=NOW, limit=3, already_sent={"alias-price", "llama"})
    assert [i.key for i in digest.items] == ["act", "raise", "misc"]


def test_the_language_changes_the_sentences_not_the_choice() -> None:
    en = compose_digest(STORIES, now=NOW, limit=5, lang="en")
    fr = compose_digest(STORIES, now=NOW, limit=5, lang="fr")
    assert [i.key for i in en.items] == [i.key for i in fr.items]
    assert fr.items[0].why == t("news.why.pricing_apis.price_cut", "fr")
    assert fr.lang == "fr"


def test_rank_once_then_per_team_matches_compose_digest() -> None:
    ranked = rank_once(STORIES, NOW)
    for sent in (set(), {"price"}, {"alias-llama", "act"}):
        one_shot = compose_digest(STORIES, now=NOW, limit=2, already_sent=sent, decisions=DECISIONS)
        shared = compose_for_team(ranked, limit=2, already_sent=sent, decisions=DECISIONS)
        assert one_shot == shared


def test_sentences_written_elsewhere_override_the_rules() -> None:
    ranked = rank_once(STORIES, NOW)
    digest = compose_for_team(ranked, limit=2, why={"price": "An LLM wrote this."})
    assert digest.items[0].why == "An LLM wrote this."
    assert digest.items[1].why == t("news.why.open_weights.default", "en")


def test_nothing_left_to_send_gives_an_empty_digest() -> None:
    everything = {k for s in STORIES for k in s.keys}
    assert compose_digest(STORIES, now=NOW, already_sent=everything).items == ()
    assert compose_digest([], now=NOW).items == ()


_TEMPLATES = [
    "{co} cuts {model} prices by {n}%",
    "{co} unveils {model} {n}",
    "{co} releases open-weight {model} {n}B",
    "{co} raises ${n} billion",
    "EU regulators probe {co} over {model}",
    "{co} to spend ${n} billion on data centers",
    "Researchers at {co} publish {model} paper {n}",
    "{co} hosts meetup number {n}",
]
_COMPANIES = ["OpenAI", "Anthropic", "Google", "Meta", "Mistral", "xAI", "Nvidia", "Cohere"]
_MODELS = ["Atlas", "Boreal", "Cirrus", "Delta", "Ember", "Fjord"]


def _feeds(rng: random.Random, feeds: int = 20, per_feed: int = 50) -> list[Entry]:
    entries = []
    for f in range(feeds):
        for i in range(per_feed):
            n = rng.randint(1, 400)
            title = rng.choice(_TEMPLATES).format(
                co=rng.choice(_COMPANIES), model=rng.choice(_MODELS), n=n
            )
            entries.append(
                Entry(
                    title,
                    f"https://feed{f}.example/{i}",
                    f"g{i}",
                    "",
                    NOW - timedelta(hours=rng.uniform(0, 24 * 10)),
                    f"Feed {f}",
                    f"https://feed{f}.example/rss",
                )
            )
    return entries


def test_a_thousand_teams_from_twenty_feeds_of_fifty_items_in_under_five_seconds() -> None:
    rng = random.Random(11)
    entries = _feeds(rng)
    started = time.perf_counter()
    stories = cluster_stories(entries)
    ranked = rank_once(stories, NOW)
    all_keys = [s.story.key for s in ranked.stories]
    digests = []
    sent_before = []
    for team in range(1000):
        sent = set(rng.sample(all_keys, rng.randint(0, 60)))
        decisions = [
            DecisionRef(
                f"{team}-{d}", f"Decision {d}", rng.choice(["buy", "wrap", "fine_tune", "build"])
            )
            for d in range(rng.randint(0, 5))
        ]
        digests.append(
            compose_for_team(
                ranked,
                limit=8,
                already_sent=sent,
                decisions=decisions,
                lang=rng.choice(["en", "fr"]),
            )
        )
        sent_before.append(sent)
    elapsed = time.perf_counter() - started
    assert len(entries) == 1000 and len(digests) == 1000
    assert all(len(d.items) == 8 for d in digests)
    assert all(not (d.sent_keys() & sent) for d, sent in zip(digests, sent_before, strict=True))
    assert elapsed < 5.0, f"{elapsed:.2f} s"
