"""Composing each team's digest from stored news: one story per event, never twice, never
another team's private feed."""

from __future__ import annotations

from datetime import timedelta

from bot.digest import delivery
from bot.digest.compose import team_digest
from bot.digest.pool import NewsPool
from bot.digest.store import ensure_feed
from bot.digest.teams import decisions_by_team, load_plans, team_decisions
from bot.news.dedupe import cluster_stories
from bot.news.rank import rank_stories
from bot.news.why import DecisionRef
from tests.conftest import CHANNEL, OTHER_TEAM, TEAM
from tests.support.clock import Clock
from tests.support.decisions import make_decision
from tests.support.digest import MONDAY_9AM_PARIS, WIRE, Story, make_team, numbered, store_news

ALPHA, BETA, GAMMA = (f"https://{n}.example/feed.xml" for n in ("alpha", "beta", "gamma"))
PRIVATE = "https://intranet.corp.example/news.xml"
PERIOD = "2026-03-09"


def _digest(session, clock, team_id=TEAM, period=PERIOD):
    pool = NewsPool.load(session, clock.now)
    [plan] = load_plans(session, team_id=team_id)
    return pool, team_digest(session, pool, plan, period, clock.now)


def _send(session, pool, digest, period=PERIOD, recipient=f"channel:{CHANNEL}", now=None):
    won = delivery.claim(session, TEAM, period, recipient, now or pool.now, "test-worker")
    delivery.mark_sent(
        session, won, now or pool.now, [i for item in digest.items for i in pool.item_ids(item)]
    )
    session.commit()


def test_the_same_story_from_three_outlets_is_one_item_with_its_sources(session):
    clock = Clock(MONDAY_9AM_PARIS)
    make_team(session, feeds=[ALPHA, BETA, GAMMA])
    title = "Mistral releases Magistral Small with open weights"
    store_news(
        session,
        clock.now,
        [Story(title, "https://mistral.example/m", 5)],
        feed=ALPHA,
        source="Alpha",
    )
    store_news(
        session, clock.now, [Story(title, "https://mistral.example/m", 3)], feed=BETA, source="Beta"
    )
    store_news(
        session,
        clock.now,
        [Story(title + "!", "https://gamma.example/m", 4)],
        feed=GAMMA,
        source="Gamma",
    )
    _, digest = _digest(session, clock)
    [item] = digest.items
    assert (item.title, item.url, item.topic) == (
        title,
        "https://mistral.example/m",
        "open_weights",
    )
    # Alpha and Beta carry the same link: one stored item, first seen through Alpha.
    assert item.sources == ("Alpha", "Beta", "Gamma")
    assert item.published == clock.now - timedelta(hours=5)


def test_a_story_sent_once_is_not_sent_again_when_another_outlet_picks_it_up(session):
    clock = Clock(MONDAY_9AM_PARIS)
    make_team(session, feeds=[ALPHA, BETA, GAMMA])
    store_news(
        session,
        clock.now,
        [
            Story(
                "Anthropic raises $13 billion at a $183B valuation",
                "https://alpha.example/anthropic",
                2,
            ),
            *numbered(2),
        ],
        feed=ALPHA,
        source="Alpha",
    )
    pool, first = _digest(session, clock)
    assert len(first.items) == 3
    _send(session, pool, first)

    clock.advance(days=1)  # later: a second outlet (other link, same title), the same link again
    store_news(
        session,
        clock.now,
        [
            Story(
                "Anthropic raises $13 billion at a $183B valuation",
                "https://beta.example/anthropic-round",
                20,
            )
        ],
        feed=BETA,
        source="Beta",
    )
    store_news(
        session,
        clock.now,
        [Story("Anthropic raised $13B", "https://alpha.example/anthropic", 20)],
        feed=GAMMA,
        source="Gamma",
    )
    store_news(session, clock.now, numbered(1, start=50), feed=GAMMA, source="Gamma")
    _, second = _digest(session, clock, period="2026-03-16")
    assert [i.title for i in second.items] == ["Vendor50 cuts API prices for model50"]


def test_recipients_of_the_same_period_get_the_same_stories(session):
    clock = Clock(MONDAY_9AM_PARIS)
    make_team(session, managers=["U0NEWYORK"])
    store_news(session, clock.now, numbered(5))
    pool, for_channel = _digest(session, clock)
    _send(session, pool, for_channel)
    clock.advance(hours=5)  # the New York manager's 09:00, same local date
    _, for_manager = _digest(session, clock)
    assert [i.key for i in for_manager.items] == [i.key for i in for_channel.items]
    _, next_week = _digest(session, clock, period="2026-03-16")
    assert next_week.items == ()


def test_a_private_feed_never_leaks_into_another_teams_digest(session):
    clock = Clock(MONDAY_9AM_PARIS)
    make_team(session, TEAM, feeds=[WIRE, PRIVATE])
    make_team(session, OTHER_TEAM, feeds=[WIRE])
    public = "OpenAI cuts GPT-5 API prices by half"
    store_news(
        session,
        clock.now,
        [
            Story(
                public + " (memo)",
                "https://intranet.corp.example/memo",
                6,
                "Our contract renegotiation",
            )
        ],
        feed=PRIVATE,
        source="Intranet",
    )
    store_news(session, clock.now, [Story(public, "https://wire.example/openai", 2)])
    pool, ours = _digest(session, clock, TEAM)
    [merged] = ours.items
    assert merged.sources == ("Intranet", "Wire")  # the team sees its own feed merged in
    _, theirs = _digest(session, clock, OTHER_TEAM)
    [item] = theirs.items
    assert (item.title, item.url, item.sources, item.summary) == (
        public,
        "https://wire.example/openai",
        ("Wire",),
        "",
    )
    assert pool.ranked_for(frozenset()).stories == ()


def test_cut_rankings_keep_the_ranking_order(session):
    clock = Clock(MONDAY_9AM_PARIS)
    make_team(session, TEAM, feeds=[WIRE, PRIVATE])
    store_news(session, clock.now, numbered(6, hours_ago=3))
    store_news(
        session,
        clock.now,
        [Story(s.title + " today", s.url + "/p", s.hours_ago) for s in numbered(4, hours_ago=30)],
        feed=PRIVATE,
    )
    store_news(
        session,
        clock.now,
        [Story("Nvidia unveils Blackwell Ultra GPUs", "https://p.example/nv", 8)],
        feed=PRIVATE,
    )
    pool = NewsPool.load(session, clock.now)
    [plan] = load_plans(session, team_id=TEAM)
    wire_only = plan.feed_ids - {ensure_feed(session, PRIVATE).id}
    cut = [r.story.key for r in pool.ranked_for(wire_only).stories]
    entries = [
        e
        for r in pool.ranked_for(plan.feed_ids).stories
        for e in r.story.entries
        if e.feed_url == WIRE
    ]
    assert cut == [r.story.key for r in rank_stories(cluster_stories(entries), clock.now)]
    assert len(cut) == 6


def test_stories_bear_on_the_teams_decisions(session):
    clock = Clock(MONDAY_9AM_PARIS)
    make_team(session)
    wrap = make_decision(session, title="Wrap a hosted model for support", verdict="wrap")
    make_decision(session, title="Build our own model", verdict="build")
    make_decision(session, title="Old wrap", verdict="wrap", status="reversed")
    store_news(
        session,
        clock.now,
        [Story("OpenAI cuts GPT-5 API prices by half", "https://wire.example/p", 1)],
    )
    _, digest = _digest(session, clock)
    [item] = digest.items
    assert [(d.id, d.verdict) for d in item.decisions] == [(str(wrap.id), "wrap")]
    assert item.why.startswith("Wrapping just got cheaper")


def test_decisions_are_read_for_many_teams_at_once_newest_first(session):
    day = Clock(MONDAY_9AM_PARIS).now
    older = make_decision(session, title="Buy a vendor's bot", verdict="buy", when=day)
    newer = make_decision(
        session, title="Wrap a hosted model", verdict="wrap", when=day + timedelta(hours=1)
    )
    newest = make_decision(
        session, title="Fine-tune a small model", verdict="fine_tune", when=day + timedelta(hours=2)
    )
    make_decision(
        session, title="Reversed", verdict="build", status="reversed", when=day + timedelta(hours=3)
    )
    other = make_decision(session, team_id=OTHER_TEAM, title="Build", verdict="build", when=day)
    found = decisions_by_team(session, [TEAM, OTHER_TEAM, "T0NOTHING"], limit=2)
    assert {team: [d.id for d in refs] for team, refs in found.items()} == {
        TEAM: [str(newest.id), str(newer.id)],
        OTHER_TEAM: [str(other.id)],
    }
    assert team_decisions(session, TEAM) == [
        found[TEAM][0],
        found[TEAM][1],
        DecisionRef(str(older.id), older.title, "buy"),
    ]


def test_nothing_stored_is_an_empty_pool(session):
    assert NewsPool.load(session, Clock(MONDAY_9AM_PARIS).now).empty
