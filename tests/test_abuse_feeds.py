"""An admin's feed URL aimed inside our network is refused through the real settings modal.

tests/test_news_ssrf.py and test_news_fetch.py prove the fetcher (addresses in every spelling,
redirects, DNS rebinding, huge, endless and slow answers). What they cannot show is that the
app wires it up with the operator's default: here the whole path runs (a signed view
submission, the admin check, the feed check, the save) with FEEDS_ALLOW_PRIVATE_ADDRESSES off,
against a real server listening on loopback that must never be reached.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.models import AuditEntry, Feed, TeamFeed
from tests.conftest import TEAM
from tests.fakes.feed_server import FeedServer
from tests.support.abuse import assert_clean
from tests.support.settings import errors_of, open_modal, submit


@pytest.fixture
def inside() -> Iterator[FeedServer]:
    server = FeedServer().start()  # 127.0.0.1: what an attacker would like us to read
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/rss2.xml", "loopback"),
        ("http://localhost:{port}/rss2.xml", "loopback"),
        ("http://2130706433:{port}/rss2.xml", "loopback"),  # 127.0.0.1 as one number
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
        ("http://10.0.0.5/feed.xml", "private"),
        ("http://[fec0::1]/feed.xml", "site-local"),  # deprecated, still routed inside sites
        ("http://[fec0:0:0:1::5]:80/feed.xml", "site-local"),
        ("http://93.184.216.34:6379/feed.xml", "port 6379"),  # a public address, Redis's port
        ("https://93.184.216.34:8443/feed.xml", "port 8443"),
    ],
)
def test_an_internal_feed_url_is_refused_on_its_field_and_never_fetched(
    send, slack_api, session, inside: FeedServer, url: str, reason: str
) -> None:
    url = url.format(port=inside.port)
    view = open_modal(send, slack_api)
    errors = errors_of(submit(send, view, feed_add=url))
    assert list(errors) == ["feed_add"]
    assert errors["feed_add"].startswith("I can't use this feed: refused")
    assert reason in errors["feed_add"]
    assert_clean(errors["feed_add"])
    assert sum(inside.hits.values()) == 0  # not even one byte was asked of it
    assert session.scalars(select(Feed)).all() == []
    assert session.scalars(select(TeamFeed).where(TeamFeed.team_id == TEAM)).all() == []
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
