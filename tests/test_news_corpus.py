"""The whole normalising pipeline over feedparser's own corpus of about 2,100 quirky feeds.

No file may crash it, and whatever it yields must be safe to show: a clean title (no tags,
no raw entities, no control characters), a canonical http(s) link or none, a UTC date or
none. Each corpus file opens with a comment (Description, Expect, sometimes HTTP Header
lines); the headers are passed on as the server would have sent them.
"""

from __future__ import annotations

import html.entities
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.news.canonical import canonical_url
from bot.news.dedupe import cluster_stories
from bot.news.normalize import Entry, parse_feed
from bot.news.rank import rank_stories
from bot.news.topics import TOPICS
from bot.news.why import why_it_matters
from tests.support.data import data_path

CORPUS = data_path("feedparser-corpus")
NOW = datetime(2025, 6, 12, 12, 0, tzinfo=UTC)

_HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*?)\s*$", re.MULTILINE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<!--|<!\[CDATA\[")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE")


def _headers(body: bytes) -> dict[str, str]:
    head = body[:2000].decode("latin-1")
    if not head.lstrip().startswith("<!--"):
        return {}
    comment = head.split("-->", 1)[0]
    return {name.lower(): value for name, value in _HEADER.findall(comment)}


def _raw_entities(text: str) -> list[str]:
    found = []
    for match in _ENTITY.finditer(text):
        name = match.group(1)
        if name.startswith("#") or f"{name};" in html.entities.html5:
            found.append(match.group(0))
    return found


def _problems(entry: Entry) -> list[str]:
    problems = []
    title = entry.title
    if not title or title != title.strip() or "  " in title:
        problems.append("title empty or badly spaced")
    if _TAG.search(title):
        problems.append("markup in title")
    if _raw_entities(title):
        problems.append(f"raw entity in title {_raw_entities(title)}")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in title + entry.summary):
        problems.append("control character")
    if any(ch in title for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"):
        problems.append("bidi override in title")
    if _TAG.search(entry.summary) or _raw_entities(entry.summary):
        problems.append("markup in summary")
    if entry.url is not None:
        if not entry.url.startswith(("http://", "https://")):
            problems.append(f"not a web link: {entry.url!r}")
        if canonical_url(entry.url) != entry.url:
            problems.append(f"link not canonical: {entry.url!r}")
        if "#" in entry.url or re.search(r"[?&]utm_", entry.url):
            problems.append(f"fragment or tracking left: {entry.url!r}")
    if entry.published is not None:
        if entry.published.utcoffset() != timedelta(0):
            problems.append("date not in UTC")
        if entry.published > NOW + timedelta(days=1):
            problems.append("date in the far future")
    return problems


def test_the_corpus_is_there() -> None:
    assert len(_corpus_files()) > 2000


def test_every_corpus_feed_normalises_cleanly() -> None:
    files = _corpus_files()
    failures: list[str] = []
    entries: list[Entry] = []
    for path in files:
        body = path.read_bytes()
        feed_url = f"http://example.com/{path.relative_to(CORPUS).as_posix()}"
        parsed = parse_feed(body, feed_url, _headers(body), now=NOW)
        if parsed.error is not None:
            assert parsed.error.strip() and "\n" not in parsed.error
        for entry in parsed.entries:
            failures.extend(f"{path.relative_to(CORPUS)}: {p}" for p in _problems(entry))
        entries.extend(parsed.entries)
    assert failures == []
    assert len(entries) > 250  # most corpus files test feed-level fields, not entries
    # Downstream steps accept all of it too.
    ranked = rank_stories(cluster_stories(entries), NOW, max_age=None)
    assert ranked and all(r.topic in TOPICS for r in ranked)
    assert all(why_it_matters(r.story.title, r.story.summary, r.topic, "fr") for r in ranked)


@pytest.mark.parametrize(
    ("relative", "title"),
    [
        # Titles whose markup or entities the corpus exercises; expected values by hand.
        ("wellformed/rss/item_title.xml", "Item 1 title"),
        ("wellformed/rss/item_dc_title.xml", "Example title"),  # <dc:title>
        ("wellformed/atom10/entry_title_inline_markup.xml", "Example Atom"),  # XHTML
        ("wellformed/atom10/entry_title_escaped_markup.xml", "Example Atom"),  # escaped HTML
        ("wellformed/atom10/entry_title_base64.xml", "Example Atom"),
        ("entities/hex_entity_x_lowercase.xml", "A"),  # &#x41; in an ill-formed feed
        # Plain text that merely looks like a tag is dropped too: a title must never carry
        # markup to Slack, and a lost "<blink>" costs less than a doubt.
        ("wellformed/atom10/entry_title_text_plain_brackets.xml", "History of the tag"),
    ],
)
def test_selected_corpus_titles(relative: str, title: str) -> None:
    path = CORPUS / relative
    if not path.exists():
        pytest.fail(f"corpus file missing: {relative}")
    body = path.read_bytes()
    parsed = parse_feed(body, "http://example.com/feed", _headers(body), now=NOW)
    assert parsed.entries, parsed.error
    assert parsed.entries[0].title == title
