"""Feed bytes to plain entries: clean titles, canonical links, UTC dates or none.

feedparser copes with the malformed feeds of the real world (wrong encodings, broken XML,
three date formats in one feed); this module turns what it returns into values the rest
of the pipeline can trust without re-checking.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.news.canonical import web_url
from bot.news.text import clean_text
from bot.text import truncate_words

logger = logging.getLogger(__name__)

TITLE_CHARS = 300
SUMMARY_CHARS = 300
TITLE_FROM_SUMMARY_CHARS = 120
GUID_CHARS = 500
FUTURE_TOLERANCE = timedelta(days=1)
"""Feeds in a time zone ahead of ours may stamp a story "tomorrow"; beyond a day it is junk."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of one feed, normalised."""

    title: str
    url: str | None
    guid: str | None
    summary: str
    published: datetime | None
    source: str
    feed_url: str = ""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed body yielded; ``error`` is set when nothing usable came out of it."""

    title: str
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None


# Where the root element starts, in ASCII-compatible encodings and in UTF-16 and UTF-32 (either
# byte order): only the prolog before it may hold a DTD.
_ROOT_START = re.compile(rb"<(?:\x00|\x00\x00\x00)?[A-Za-z_]")
_ENTITY_DECLARATIONS = tuple(
    "<!entity".encode(codec)
    for codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
ENTITIES_REFUSED = "the feed declares XML entities, which feeds have no need of; refused"


def declares_entities(body: bytes) -> bool:
    """Whether the prolog declares XML entities (``<!ENTITY`` in the DOCTYPE).

    feedparser keeps "safe" internal entities, and expat's billion-laughs guard lets one large
    entity referred to 99 times through: 2.9 MB became 285 MB of text, 40 s and 2.8 GB in
    feedparser. Real feeds do not declare entities, so such a feed is refused unread.
    """
    root = _ROOT_START.search(body)
    prolog = (body[: root.start()] if root else body).lower()
    return any(declaration in prolog for declaration in _ENTITY_DECLARATIONS)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def _published(raw: dict[str, Any], now: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict.get maps missing keys to others, with a deprecation warning.
        value = dict.get(raw, key)
        if not value:
            continue
        try:
            year, month, day, hour, minute, second = value[:6]
            when = datetime(
                year, month, day, hour, minute, second, tzinfo=UTC
            )  # feedparser normalises to UTC
        except (TypeError, ValueError, OverflowError):
            continue
        return None if when > now + FUTURE_TOLERANCE else when
    return None


def _summary(raw: Mapping[str, Any]) -> str:
    text = raw.get("summary") or ""
    if not text:
        for content in raw.get("content") or []:
            text = content.get("value") or ""
            if text:
                break
    return truncate_words(clean_text(text), SUMMARY_CHARS)


def _display_title(url: str) -> str:
    parts = urlsplit(url)
    return clean_text(f"{_host(url)}{parts.path.rstrip('/')}")


def _entry(raw: dict[str, Any], *, source: str, feed_url: str, now: datetime) -> Entry | None:
    link = web_url(raw.get("link"))
    guid = " ".join(str(raw.get("id") or "").split())[:GUID_CHARS] or None
    if link is None and guid and raw.get("guidislink"):
        link = web_url(guid)
    summary = _summary(raw)
    title = truncate_words(clean_text(raw.get("title")), TITLE_CHARS)
    if not title:
        if link is None:
            return None
        title = truncate_words(summary, TITLE_FROM_SUMMARY_CHARS) or _display_title(link)
    return Entry(
        title=title,
        url=link,
        guid=guid,
        summary=summary,
        published=_published(raw, now),
        source=source,
        feed_url=feed_url,
    )


def _response_headers(feed_url: str, headers: Mapping[str, str] | None) -> dict[str, str]:
    out = {k.lower(): v for k, v in (headers or {}).items()}
    # Relative links in the feed are resolved against where it was fetched from.
    if feed_url and "content-location" not in out:
        out["content-location"] = feed_url
    out.pop("content-encoding", None)  # the body is already decoded
    # Without a type feedparser flags the feed as ill-formed; application/xml means
    # "trust the XML declaration, else UTF-8", which is right when we know nothing.
    out.setdefault("content-type", "application/xml")
    return out


def parse_feed(
    body: bytes,
    feed_url: str,
    headers: Mapping[str, str] | None = None,
    *,
    source: str | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Parse a feed body into clean entries.

    ``source`` names the outlet in digests (default: the feed's own title, else its host).
    A feed feedparser calls ill-formed still yields whatever parsed; a body with no usable
    entry that is ill-formed or not a feed at all is an error.
    """
    now = now or datetime.now(UTC)
    if declares_entities(body):
        logger.warning("refused a feed from %s: it declares XML entities", _host(feed_url))
        return ParsedFeed(title="", error=ENTITIES_REFUSED)
    import feedparser  # here: the web process composes digests but never parses a feed

    try:
        parsed = feedparser.parse(body, response_headers=_response_headers(feed_url, headers))
    except Exception as exc:  # isolation boundary: hostile bytes must not stop the run
        logger.warning("feedparser failed on a feed from %s: %s", _host(feed_url), exc)
        return ParsedFeed(title="", error=f"unreadable feed ({type(exc).__name__})")
    feed_title = clean_text(parsed.feed.get("title"))
    name = clean_text(source) or feed_title or _host(feed_url) or "?"
    entries = [
        entry
        for raw in parsed.entries
        if (entry := _entry(raw, source=name, feed_url=feed_url, now=now)) is not None
    ]
    error = None
    if not entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            detail = clean_text(str(reason))[:200] if reason else "ill-formed"
            error = f"not a well-formed feed: {detail}"
        elif not parsed.get("version") and not parsed.entries:
            error = "not an RSS or Atom feed"
    return ParsedFeed(title=feed_title, entries=entries, error=error)
