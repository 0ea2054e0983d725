"""parse_feed: real-world feed shapes served by the local server, and clean_text on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.news.fetch import fetch_feed
from bot.news.normalize import ParsedFeed, parse_feed
from bot.news.text import clean_text
from bot.text import escape, truncate_words
from tests.fakes.feed_server import FeedServer, rss2
from tests.fakes.feed_server import feed_server as feed_server_fixture  # noqa: F401

NOW = datetime(2025, 6, 12, 12, 0, tzinfo=UTC)


def _served(server: FeedServer, path: str) -> ParsedFeed:
    result = fetch_feed(server.url(path), allow_private=True)
    assert result.status == "ok", result.error
    headers = {"content-type": result.content_type or ""}
    return parse_feed(result.body, result.url, headers, now=server.now)


def test_rss2(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/rss2.xml")
    assert feed.error is None
    assert feed.title == "Main AI News"
    first = feed.entries[0]
    assert first.title == "OpenAI cuts GPT-4o prices by 50%"
    assert first.url == "https://main.example/openai-prices?id=7"  # utm_source dropped
    # An RSS <guid> is a permalink unless it says otherwise, so feedparser resolves it.
    assert first.guid == feed_server.url("/main-1")
    assert first.summary == "Cheaper tokens for everyone."
    assert first.published == feed_server.now - timedelta(hours=2)
    assert first.published.tzinfo is UTC
    assert first.source == "Main AI News"
    assert [e.title for e in feed.entries[1:]] == [
        "Anthropic raises $13 billion",
        "Researchers probe chain-of-thought faithfulness",
    ]


def test_atom(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/atom.xml")
    assert feed.title == "Atom AI Weekly"
    gpus, act = feed.entries
    assert gpus.title == "Nvidia unveils Blackwell Ultra GPUs"  # type="html" markup stripped
    assert gpus.url == "https://atom.example/2025/blackwell-ultra"
    assert gpus.guid == "tag:atom.example,2025:blackwell"
    assert gpus.summary == "More compute for the frontier."
    assert gpus.published == feed_server.now - timedelta(hours=3)  # <updated> when no <published>
    # A relative link is resolved against the feed's own URL.
    assert act.url == feed_server.url("/2025/ai-act")
    assert act.published == feed_server.now - timedelta(hours=5)  # <published> wins
    assert act.summary == "Rules apply."


def test_rss1_rdf(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/rdf.xml")
    (entry,) = feed.entries
    assert feed.title == "RDF Research Digest"
    assert entry.title == "Scaling laws hold for mixture-of-experts, study finds"
    assert entry.url == "https://rdf.example/papers/scaling"
    assert entry.published == feed_server.now - timedelta(hours=6)  # from dc:date


def test_missing_odd_and_future_dates(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/odd-dates.xml")
    dates = {e.title: e.published for e in feed.entries}
    assert dates == {
        "No date at all": None,
        "Garbage date": None,
        "From the far future": None,
        "Offset date": datetime(2025, 6, 10, 4, 0, tzinfo=UTC),  # 09:30 +05:30
        "ISO date in RSS": datetime(2025, 6, 10, 16, 0, tzinfo=UTC),  # 12:00 -04:00
    }


def test_entities_markup_and_junk_links(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/entities.xml")
    assert feed.title == "Entities & Co"
    titles = [e.title for e in feed.entries]
    assert titles == [
        "AT&T & OpenAI sign a deal",  # double-escaped in the feed
        "Bold & brash: Claude gets cheaper",  # CDATA with HTML
        "Café — café talk",  # numeric, hex and named entities, nbsp collapsed
        "Untitled but linked & described.",  # no title: the summary stands in
        "Bad link",  # javascript: link dropped, entry kept
    ]
    by_title = {e.title: e for e in feed.entries}
    assert by_title["Café — café talk"].summary == "Body & soul"  # the script is gone
    assert by_title["Bad link"].url is None
    # "No title and no link" is skipped altogether.
    assert all("skipped" not in t for t in titles)


def test_latin1_feed_declared_by_http_charset(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/latin1.xml")
    assert feed.title == "Actualités IA"
    assert feed.entries[0].title == "Mistral dévoile un modèle à poids ouverts"


def test_windows_1252_feed_declared_in_the_xml(feed_server: FeedServer) -> None:
    feed = _served(feed_server, "/cp1252.xml")
    title = "\u201cSmart quotes\u201d cost \u20ac5 \u2013 OpenAI cuts prices"
    assert feed.entries[0].title == title


def test_source_name_given_by_the_caller_wins() -> None:
    body = rss2("Feed Title", [{"title": "A story", "link": "https://x.example/a"}]).encode()
    feed = parse_feed(body, "https://x.example/feed", source="Our Name", now=NOW)
    assert feed.entries[0].source == "Our Name"
    untitled = rss2("", [{"title": "A story", "link": "https://x.example/a"}]).encode()
    assert parse_feed(untitled, "https://www.x.example/feed", now=NOW).entries[0].source == (
        "x.example"
    )


def test_a_date_up_to_a_day_ahead_is_kept() -> None:
    soon = NOW + timedelta(hours=20)
    body = rss2(
        "F",
        [
            {
                "title": "Tomorrow in Tokyo",
                "link": "https://x.example/t",
                "pubDate": soon.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }
        ],
    ).encode()
    assert parse_feed(body, "https://x.example/feed", now=NOW).entries[0].published == soon


def test_long_titles_and_summaries_are_cut_on_a_word() -> None:
    words = " ".join(["word"] * 200)
    body = rss2("F", [{"title": words, "link": "https://x.example/l", "description": words}])
    entry = parse_feed(body.encode(), "https://x.example/feed", now=NOW).entries[0]
    assert len(entry.summary) <= 300
    assert entry.summary.endswith("word…")
    assert len(entry.title) <= 300


def test_ill_formed_feed_still_yields_what_parsed() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title>
    <item><title>Survivor &amp; friends</title><link>https://x.example/s</link></item>
    <item><title>Unclosed & ampersand</title><link>https://x.example/u</link></item>
    </channel>"""
    feed = parse_feed(body, "https://x.example/feed", now=NOW)
    assert feed.error is None
    assert [e.title for e in feed.entries][:1] == ["Survivor & friends"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><p>Not a feed</p></body></html>",
        b"<?xml version='1.0'?><rss><channel><item><title>unterminated",
        b"\x00\x01\x02 binary junk",
        b"",
    ],
)
def test_bodies_without_entries_that_are_not_feeds_are_errors(body: bytes) -> None:
    feed = parse_feed(body, "https://x.example/feed", now=NOW)
    assert feed.entries == []
    assert feed.error


def test_a_valid_empty_feed_is_not_an_error() -> None:
    body = rss2("Quiet week", []).encode()
    feed = parse_feed(body, "https://x.example/feed", now=NOW)
    assert (feed.title, feed.entries, feed.error) == ("Quiet week", [], None)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<b>Bold</b> move", "Bold move"),
        ("&amp;amp;lt;b&amp;amp;gt;x", "x"),  # triple-escaped tag
        ("AT&amp;T", "AT&T"),
        ("x &lt; y", "x < y"),  # an escaped comparison stays a comparison
        ("5 < 6 and 7 > 3", "5 < 6 and 7 > 3"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ("<style>p{}</style>Styled", "Styled"),
        ("line\none\ttab\r\n", "line one tab"),
        ("nul\x00 bell\x07 esc\x1b", "nul bell esc"),
        ("bidi \u202eevil\u202c and zero\u200bwidth", "bidi evil and zerowidth"),
        ("\ufeffBOM", "BOM"),
        ("non\xa0breaking", "non breaking"),
        ("Cafe\u0301", "Café"),  # NFC
        ("<p>one</p><p>two</p>", "one two"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("text", "limit", "cut"),
    [
        ("short", 10, "short"),
        ("the quick brown fox jumps", 15, "the quick…"),
        ("the quick, brown fox", 12, "the quick…"),
        ("abcdefghijklmnopqrstuvwxyz", 10, "abcdefghi…"),  # no space: cut inside the word
    ],
)
def test_truncate_words(text: str, limit: int, cut: str) -> None:
    assert truncate_words(text, limit) == cut
    assert len(truncate_words(text, limit)) <= limit


def test_mrkdwn_escape() -> None:
    assert escape("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
