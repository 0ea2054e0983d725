"""A feed whose bytes are small but whose parsing is not, through the worker and the settings.

The attack: 3 KB of gzip that decode to 2.9 MB of XML (under the fetcher's 3 MB cap) declaring
one large internal entity and referring to it 99 times. Expat's billion-laughs guard allows it
(the amplification stays under its factor of 100), and feedparser then spent 40 s and 2.8 GB
on it, holding the GIL. A feed that declares entities is refused before any parsing, and every
parse runs in a child process with a deadline and a memory cap, killed when either is passed:
a settings check whose deadline passes stops its work instead of running on in a thread.
"""

from __future__ import annotations

import gzip
import multiprocessing
import multiprocessing.forkserver
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.digest import store
from bot.jobs import digest as jobs
from bot.models import AuditEntry, Feed, TeamFeed
from bot.news.sandbox import parse_feed_bounded
from bot.services import Services
from tests.conftest import TEAM
from tests.fakes.feed_server import Canned, FeedServer, rss2
from tests.support.digest import make_team
from tests.support.settings import errors_of, open_modal, submit

MB = 2**20


def entity_bomb() -> bytes:
    """One 2.88 MB entity, referred to 99 times: 285 MB of text once expanded."""
    entity = "A" * 2_880_000
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + entity + '">\n]>\n'
        '<rss version="2.0"><channel><title>Bomb</title><item><title>x</title>'
        "<link>https://bomb.example/1</link><description>"
        + "&big;" * 99
        + "</description></item></channel></rss>"
    ).encode()


def slow_feed() -> bytes:
    """A well-formed feed just under the 3 MB cap, with so many items feedparser takes ages."""
    items = [
        {
            "title": f"Story {i} about things",
            "link": f"https://slow.example/{i}",
            "description": "&lt;p&gt;Some &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;",
        }
        for i in range(15_000)
    ]
    body = rss2("Slow", items).encode()
    while len(body) >= 2_990_000:
        items = items[: len(items) * 9 // 10]
        body = rss2("Slow", items).encode()
    return body


@pytest.fixture
def hostile(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    """A feed server with the attacks, services allowed to read it (it is on loopback), and
    no built-in feeds (they are on the internet, out of reach here)."""
    monkeypatch.setattr(store, "DEFAULT_FEEDS", ())
    server = FeedServer().start()
    server.routes["/bomb.xml"] = Canned(entity_bomb(), gzip=True)
    server.routes["/slow.xml"] = Canned(slow_feed(), gzip=True)
    services.settings = services.settings.model_copy(update={"FEEDS_ALLOW_PRIVATE_ADDRESSES": True})
    yield server
    server.stop()


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measured(run: Callable[[], Any]) -> tuple[Any, float, int]:
    """``run()``'s result, the CPU time this process spent meanwhile (the issue's measure: wall
    time on a shared test machine says more about the neighbours) and how far it raised this
    process's RSS at most."""
    base, peak, done = _rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.process_time()
    try:
        result = run()
    finally:
        elapsed = time.process_time() - started
        done.set()
        sampler.join()
    return result, elapsed, max(peak[0], _rss()) - base


def test_the_attack_is_what_the_issue_says() -> None:
    body = entity_bomb()
    assert len(gzip.compress(body)) < 3_100  # about 3 KB on the wire
    assert 2_800_000 < len(body) < 3_000_000  # under the fetcher's decoded-size cap


def test_the_worker_refuses_an_entity_bomb_in_under_a_second_and_50_mb(
    services, session, hostile: FeedServer
) -> None:
    url = hostile.url("/bomb.xml")
    make_team(session, TEAM, feeds=[url])
    report, seconds, grown = measured(lambda: jobs.fetch_feeds(services))
    assert report.failed >= 1
    assert seconds < 1.0
    assert grown < 50 * MB
    feed = session.scalar(select(Feed).where(Feed.url == url))
    assert feed.last_status == "error"
    assert "entit" in feed.last_error
    assert hostile.hits["/bomb.xml"] == 1


def test_the_settings_check_refuses_an_entity_bomb_on_its_field(
    send, slack_api, session, hostile: FeedServer
) -> None:
    view = open_modal(send, slack_api)
    started = time.monotonic()
    response, seconds, grown = measured(
        lambda: submit(send, view, feed_add=hostile.url("/bomb.xml"))
    )
    assert time.monotonic() - started < 3.0  # Slack's limit for the answer
    errors = errors_of(response)
    assert list(errors) == ["feed_add"] and "entit" in errors["feed_add"]
    assert seconds < 1.0 and grown < 50 * MB
    assert session.scalar(select(func.count()).select_from(TeamFeed)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def _checks_running() -> list[str]:
    threads = [t.name for t in threading.enumerate() if t.name.startswith("settings-check")]
    return threads + [p.name for p in multiprocessing.active_children()]


def test_a_settings_check_past_its_deadline_stops_its_work(
    send, slack_api, session, hostile: FeedServer
) -> None:
    view = open_modal(send, slack_api)
    multiprocessing.forkserver.ensure_running()  # what opening the modal started, in seconds
    started = time.monotonic()
    errors = errors_of(submit(send, view, feed_add=hostile.url("/slow.xml")))
    assert time.monotonic() - started < 3.0  # Slack's limit for the answer
    assert list(errors) == ["feed_add"]
    deadline = time.monotonic() + 1.0
    while _checks_running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _checks_running() == []  # not parsing on for half a minute
    assert session.scalar(select(func.count()).select_from(TeamFeed)) == 0


def test_a_parse_over_its_memory_cap_ends_as_an_error_within_its_time() -> None:
    # feedparser swallows the MemoryError of its strict parser and tries its loose one, which
    # fails as it can, slowly: either way the child cannot grow, and it is stopped in time.
    started = time.monotonic()
    parsed = parse_feed_bounded(slow_feed(), "https://slow.example/", seconds=2, memory=64 * MB)
    assert time.monotonic() - started < 4
    assert parsed.entries == [] and parsed.error
    assert multiprocessing.active_children() == []
