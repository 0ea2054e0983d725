"""``python -m bot digest preview``: fetch feeds and print the digest that would be sent.

An operator's tool: no Slack, no database. Feeds that fail are reported on stderr, one line
each, and the digest is built from the rest. Exit 0 when at least one feed was read, 1 when
none was, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn
from urllib.parse import urlsplit

from bot.config import ConfigError, parse_ports
from bot.i18n import LANGUAGES, t
from bot.news.compose import Digest, compose_digest
from bot.news.dedupe import cluster_stories
from bot.news.feeds import DEFAULT_FEEDS, default_name
from bot.news.fetch import FetchResult, fetch_all
from bot.news.normalize import Entry
from bot.news.rank import DEFAULT_LIMIT
from bot.news.sandbox import parse_fetched

MAX_LIMIT = 50
ALLOW_PRIVATE_ENV = "FEEDS_ALLOW_PRIVATE_ADDRESSES"
PORTS_ENV = "FEEDS_ALLOWED_PORTS"


class _BadArguments(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line and exit 2, not argparse's usage dump
        raise _BadArguments(message)


def _limit(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--limit must be a whole number, not {value!r}") from None
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"--limit must be between 1 and {MAX_LIMIT}")
    return number


def _feed_url(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(t("news.preview.not_http", "en", url=value))
    return value.strip()


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--timeout must be a number, not {value!r}") from None
    if not 0 < seconds <= 120:
        raise argparse.ArgumentTypeError("--timeout must be between 0 and 120 seconds")
    return seconds


def _parser() -> _Parser:
    parser = _Parser(
        prog="python -m bot digest preview",
        description="Fetch news feeds and print the digest that would be sent.",
    )
    parser.add_argument(
        "--feed",
        action="append",
        type=_feed_url,
        metavar="URL",
        help="a feed to read (repeat for several; default: the built-in list)",
    )
    parser.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT, metavar="N")
    parser.add_argument("--format", choices=("json", "text"), default="text")
    parser.add_argument("--lang", choices=LANGUAGES, default="en")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="give up on a feed after this long (default 10)",
    )
    return parser


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one feed gave: entries, or the one-line reason it gave none."""

    url: str
    entries: tuple[Entry, ...] = ()
    failure: str | None = None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def read_feed(result: FetchResult, name: str | None, lang: str) -> FeedOutcome:
    """Parse a fetched feed, or explain in ``lang`` why it cannot be used."""
    if result.status != "ok":
        code = result.error_code or "network"
        reason = t(f"news.fetch_error.{code}", lang, detail=result.error or code)
        return FeedOutcome(result.url, failure=_one_line(reason))
    parsed = parse_fetched(result, source=name)
    if parsed.error:
        reason = t("news.fetch_error.parse", lang, detail=parsed.error)
        return FeedOutcome(result.url, failure=_one_line(reason))
    return FeedOutcome(result.url, entries=tuple(parsed.entries))


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def render_json(digest: Digest) -> str:
    """The JSON form of a digest (the fields and topic ids are an interface)."""
    return json.dumps(
        {
            "generated_at": digest.generated_at.isoformat(),
            "items": [
                {
                    "title": item.title,
                    "url": item.url,
                    "sources": list(item.sources),
                    "published": _when(item.published),
                    "topic": item.topic,
                    "why": item.why,
                }
                for item in digest.items
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_text(digest: Digest) -> str:
    """A digest for a terminal, in the digest's language."""
    lang = digest.lang
    lines = [t("news.preview.title", lang, date=_stamp(digest.generated_at)), ""]
    if not digest.items:
        lines.append(t("news.digest.nothing_new", lang))
    for n, item in enumerate(digest.items, start=1):
        published = _stamp(item.published) if item.published else t("news.preview.undated", lang)
        lines.append(t("news.preview.item", lang, n=n, title=item.title))
        if item.url:
            lines.append(f"   {item.url}")
        meta = t(
            "news.preview.meta",
            lang,
            topic=t(f"news.topic.{item.topic}", lang),
            sources=", ".join(item.sources),
            published=published,
        )
        lines.append(f"   {meta}")
        lines.append("   " + t("news.preview.why", lang, why=item.why))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _allow_private() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _ports() -> frozenset[int]:
    """The operator's FEEDS_ALLOWED_PORTS, as the app reads it (80 and 443 when unset)."""
    try:
        return parse_ports(os.environ.get(PORTS_ENV) or "80,443")
    except ValueError as exc:
        raise ConfigError(PORTS_ENV, str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the preview; ``argv`` is what follows ``digest preview`` on the command line."""
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except _BadArguments as exc:
        print(t("news.preview.bad_argument", "en", error=_one_line(str(exc))), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    lang: str = args.lang
    urls = list(dict.fromkeys(args.feed or [f.url for f in DEFAULT_FEEDS]))
    try:
        ports = _ports()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    results = fetch_all(urls, allow_private=_allow_private(), ports=ports, timeout=args.timeout)
    entries: list[Entry] = []
    worked = 0
    for url in urls:
        outcome = read_feed(results[url], default_name(url), lang)
        if outcome.failure:
            print(
                t("news.preview.feed_failed", lang, url=url, reason=outcome.failure),
                file=sys.stderr,
            )
            continue
        worked += 1
        entries.extend(outcome.entries)
    if not worked:
        print(t("news.preview.no_feed", lang), file=sys.stderr)
        return 1
    digest = compose_digest(
        cluster_stories(entries), now=datetime.now(UTC), limit=args.limit, lang=lang
    )
    output = render_json(digest) + "\n" if args.format == "json" else render_text(digest)
    sys.stdout.write(output)
    return 0
