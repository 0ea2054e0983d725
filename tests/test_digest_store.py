"""The fetch job: each distinct feed once per run, conditional GET, failures backed off, items
stored once with their sources."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.digest import store
from bot.digest.store import backoff, feeds_due, prune_items
from bot.jobs import digest as jobs
from bot.jobs.digest import deliver_digests
from bot.models import Feed, NewsItem, NewsItemSource, TeamFeed, Workspace
from bot.news.feeds import FeedSource
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, TEAM
from tests.fakes.feed_server import FeedServer
from tests.fakes.feed_server import feed_server as feed_server_fixture  # noqa: F401
from tests.support.clock import Clock
from tests.support.decisions import make_decision
from tests.support.digest import MONDAY_9AM_PARIS, Story, make_team, posts, store_news


@pytest.fixture
def fetching(services, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch):
    """Services allowed to read the local feed server, built-in feeds pointed at it."""
    services.settings = services.settings.model_copy(update={"FEEDS_ALLOW_PRIVATE_ADDRESSES": True})
    services.clock = Clock(feed_server.now)
    monkeypatch.setattr(
        store,
        "DEFAULT_FEEDS",
        (
            FeedSource("Main Wire", feed_server.url("/rss2.xml")),
            FeedSource("Atom Weekly", feed_server.url("/atom.xml")),
        ),
    )
    # Short, so a hanging feed costs a test little; long enough for a loaded machine (at 0.5 s
    # a healthy feed timed out when CI shared its 2 cores with benchmarks).
    monkeypatch.setattr(jobs, "FETCH_TIMEOUT", 2.0)
    return services


def _feed(session, url: str) -> Feed:
    return session.scalar(select(Feed).where(Feed.url == url))


def test_each_distinct_feed_is_fetched_once_however_many_teams_read_it(
    fetching, feed_server, session
):
    same = [feed_server.url(p) for p in ("/same-a.xml", "/same-b.xml", "/same-c.xml")]
    make_team(session, TEAM, feeds=same)
    make_team(session, OTHER_TEAM, feeds=[*same, feed_server.url("/rdf.xml")])
    report = jobs.fetch_feeds(fetching)
    assert report.fetched == 6 and report.failed == 0
    assert dict(feed_server.hits) == {
        "/rss2.xml": 1,
        "/atom.xml": 1,
        "/same-a.xml": 1,
        "/same-b.xml": 1,
        "/same-c.xml": 1,
        "/rdf.xml": 1,
    }
    # Alpha and Beta link the same article (tracking parameters, case, port, fragment aside):
    # one item with two sources. Gamma's own link is another item, merged at compose time.
    magistral = session.scalars(
        select(NewsItem).where(NewsItem.title.like("%Magistral%")).order_by(NewsItem.id)
    ).all()
    assert [m.canonical_url for m in magistral] == [
        "https://mistral.example/news/magistral",
        "https://gamma.example/2025/mistral-magistral",
    ]
    sources = session.scalars(
        select(NewsItemSource.source_name)
        .where(NewsItemSource.item_id == magistral[0].id)
        .order_by(NewsItemSource.source_name)
    ).all()
    assert sources == ["Alpha", "Beta"]
    assert {m.topic for m in magistral} == {"open_weights"}
    main = _feed(session, feed_server.url("/rss2.xml"))
    assert (main.last_status, main.error_count, main.next_fetch_at) == ("ok", 0, None)
    assert report.new_items == session.scalar(select(func.count()).select_from(NewsItem))

    again = jobs.fetch_feeds(fetching)  # nothing new the second time: stored once
    assert again.new_items == 0
    assert feed_server.hits["/same-a.xml"] == 2


def test_an_unchanged_feed_costs_one_304(fetching, feed_server, session):
    make_team(session, TEAM, feeds=[feed_server.url("/etag.xml")])
    first = jobs.fetch_feeds(fetching)
    feed = _feed(session, feed_server.url("/etag.xml"))
    assert feed.etag == '"v1"' and feed.last_modified
    second = jobs.fetch_feeds(fetching)
    assert (first.new_items > 0, second.new_items) == (True, 0)
    assert (second.not_modified, second.fetched) == (1, 2)  # the built-in ones send no ETag
    last = [headers for path, headers in feed_server.requests if path == "/etag.xml"][-1]
    assert last["If-None-Match"] == '"v1"'
    session.refresh(feed)
    assert feed.last_status == "not_modified"


def test_a_broken_feed_is_recorded_backed_off_and_never_stops_the_others(
    fetching, feed_server, session
):
    broken = {
        "/error500": "http_status",
        "/page.html": "not_a_feed",
        "/hang.xml": "timeout",
        "/not-xml.xml": "parse",
    }
    make_team(session, TEAM, feeds=[feed_server.url(p) for p in broken])
    clock = fetching.clock
    start = clock.now
    report = jobs.fetch_feeds(fetching)
    assert (report.fetched, report.failed) == (2, 4)
    assert session.scalar(select(func.count()).select_from(NewsItem)) > 0  # the good ones
    for path, code in broken.items():
        feed = _feed(session, feed_server.url(path))
        assert feed.last_status == "error"
        assert feed.last_error.startswith(f"{code}: ")
        assert (feed.error_count, feed.next_fetch_at) == (1, start + timedelta(minutes=30))

    clock.advance(minutes=10)  # backing off: only the healthy feeds are asked
    jobs.fetch_feeds(fetching)
    assert [feed_server.hits[p] for p in broken] == [1, 1, 1, 1]
    assert feed_server.hits["/rss2.xml"] == 2

    clock.advance(minutes=21)
    jobs.fetch_feeds(fetching)
    assert feed_server.hits["/error500"] == 2
    feed = _feed(session, feed_server.url("/error500"))
    session.refresh(feed)
    assert (feed.error_count, feed.next_fetch_at) == (2, clock.now + timedelta(hours=1))


def test_backoff_doubles_up_to_a_day() -> None:
    assert [backoff(n) for n in (1, 2, 3, 6, 7, 40)] == [
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=16),
        timedelta(hours=24),
        timedelta(hours=24),
    ]


def test_uninstalled_teams_feeds_are_not_fetched(fetching, feed_server, session):
    make_team(session, TEAM, feeds=[feed_server.url("/rdf.xml")])
    make_team(
        session, OTHER_TEAM, feeds=[feed_server.url("/atom.xml"), feed_server.url("/latin1.xml")]
    )
    session.get(Workspace, OTHER_TEAM).uninstalled_at = fetching.clock.now
    session.commit()
    urls = {f.url for f in feeds_due(session, fetching.clock.now)}
    assert urls == {feed_server.url(p) for p in ("/rss2.xml", "/atom.xml", "/rdf.xml")}
    assert session.scalar(select(func.count()).select_from(TeamFeed)) == 3


def test_old_items_are_pruned_with_their_sources(session) -> None:
    clock = Clock(MONDAY_9AM_PARIS)
    store_news(session, clock.now - timedelta(days=61), [Story("Old news", "https://o.example/1")])
    store_news(session, clock.now, [Story("Fresh news", "https://o.example/2")])
    assert prune_items(session, clock.now) == 1
    session.commit()
    assert session.scalars(select(NewsItem.title)).all() == ["Fresh news"]
    assert session.scalar(select(func.count()).select_from(NewsItemSource)) == 1


def test_an_overlong_link_is_skipped_not_truncated(session) -> None:
    clock = Clock(MONDAY_9AM_PARIS)
    long_url = "https://o.example/" + "a" * 2100
    assert (
        store_news(
            session, clock.now, [Story("Too long", long_url), Story("Fine", "https://o.example/ok")]
        )
        == 1
    )


def test_a_team_that_did_nothing_but_pick_a_channel_gets_a_useful_digest(
    fetching, feed_server, session, slack_api
):
    now = fetching.clock.now
    nine = (now - timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Paris"))
    make_team(
        session,
        days="daily",
        at=nine.strftime("%H:%M"),
        managers=[ADMIN],
        installed_at=now - timedelta(days=1),
        feeds=[feed_server.url(p) for p in ("/same-a.xml", "/same-b.xml", "/same-c.xml")],
    )
    wrap = make_decision(session, title="Wrap GPT-4o for support triage", verdict="wrap")
    jobs.fetch_feeds(fetching)
    deliver_digests(fetching)
    deliver_digests(fetching)
    [message] = posts(slack_api, CHANNEL)
    assert posts(slack_api, ADMIN)[0]["blocks"][2:-1] == message["blocks"][2:-1]
    sections = [
        b["text"]["text"]
        for b in message["blocks"]
        if b.get("block_id", "").startswith("digest.item.")
    ]
    [magistral] = [s for s in sections if "Magistral" in s]
    assert "Open weights · Alpha, Beta, Gamma · " in magistral
    assert "Fine-tuning an open-weight model just got stronger" in magistral
    [prices] = [s for s in sections if "GPT-4o prices" in s]
    assert prices.startswith("*<https://main.example/openai-prices?id=7|OpenAI cuts GPT-4o")
    assert "Wrapping just got cheaper" in prices
    lines = [b for b in message["blocks"] if b.get("block_id", "").startswith("digest.decision")]
    assert [b["accessory"]["value"] for b in lines] == [str(wrap.id)]
