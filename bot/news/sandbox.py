"""Parsing a feed in a child process, with a deadline and a memory cap.

feedparser is pure Python working on bytes from strangers: a hostile (or merely enormous) feed
kept it busy for tens of seconds, holding the GIL so that every other thread of the process
stalled, and a thread cannot be stopped. A child process can: it is killed when the deadline
passes, and its address space is capped. Children are forked from a small server process that
has feedparser loaded already (``forkserver``), never from the threaded web or worker process,
so starting one costs milliseconds; that server starts on first use (about half a second),
or ahead of it with ``warm_up``.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.forkserver
import resource
import threading
from collections.abc import Mapping
from datetime import datetime
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.news.normalize import ENTITIES_REFUSED, ParsedFeed, declares_entities, parse_feed

if TYPE_CHECKING:  # httpx is loaded by whoever fetches, not by every web process
    from bot.news.fetch import FetchResult

log = logging.getLogger(__name__)

PARSE_SECONDS = 10.0
PARSE_MEMORY = 512 * 2**20  # bytes of address space: a 3 MB feed needs well under 100 MB
MIN_SECONDS = 0.05

_forkserver = multiprocessing.get_context("forkserver")
_forkserver.set_forkserver_preload([__name__])


def warm_up() -> None:
    """Start the parser server in the background, once per process, so that a parse under a
    deadline (the settings check) does not spend it waiting for the server to start."""
    threading.Thread(
        target=multiprocessing.forkserver.ensure_running, name="feed-parser-warm-up", daemon=True
    ).start()


def _parse_in_child(
    out: Connection,
    body: bytes,
    feed_url: str,
    headers: Mapping[str, str] | None,
    source: str | None,
    now: datetime | None,
    memory: int,
) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        parsed = parse_feed(body, feed_url, headers, source=source, now=now)
    except MemoryError:
        parsed = ParsedFeed(title="", error="the feed needs too much memory to read")
    out.send(parsed)
    out.close()


def parse_feed_bounded(
    body: bytes,
    feed_url: str,
    headers: Mapping[str, str] | None = None,
    *,
    source: str | None = None,
    now: datetime | None = None,
    seconds: float = PARSE_SECONDS,
    memory: int = PARSE_MEMORY,
) -> ParsedFeed:
    """``parse_feed`` that gives up after ``seconds`` and within ``memory``; an error result then.

    A feed that declares entities is refused here, before any child is started.
    """
    if declares_entities(body):
        return ParsedFeed(title="", error=ENTITIES_REFUSED)
    seconds = max(seconds, MIN_SECONDS)
    receiver, sender = _forkserver.Pipe(duplex=False)
    child = _forkserver.Process(
        target=_parse_in_child,
        args=(sender, body, feed_url, headers, source, now, memory),
        name="feed-parser",
        daemon=True,
    )
    try:
        child.start()
    except OSError as exc:
        log.error("could not start a feed parser: %s", exc)
        return ParsedFeed(title="", error="the feed could not be read just now")
    finally:
        sender.close()
    try:
        if receiver.poll(seconds):
            parsed: ParsedFeed = receiver.recv()
            return parsed
        log.warning("gave up parsing a feed from %s after %.1f s", _host(feed_url), seconds)
        return ParsedFeed(title="", error=f"reading the feed took longer than {seconds:.1f} s")
    except EOFError:  # the child died: over its memory cap, or killed
        log.warning("the parser of a feed from %s died (%s)", _host(feed_url), child.exitcode)
        return ParsedFeed(title="", error="the feed needs too much memory to read")
    finally:
        child.kill()
        child.join(timeout=5)
        child.close()
        receiver.close()


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def parse_fetched(
    result: FetchResult,
    *,
    source: str | None = None,
    now: datetime | None = None,
    seconds: float = PARSE_SECONDS,
) -> ParsedFeed:
    """A fetched feed parsed, bounded, with what its server said about it."""
    headers = {"content-location": result.final_url or result.url}
    if result.content_type:
        headers["content-type"] = result.content_type
    return parse_feed_bounded(
        result.body, result.url, headers, source=source, now=now, seconds=seconds
    )
