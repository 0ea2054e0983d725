"""A feed an admin adds is fetched and parsed before it is saved: a bad one never lands."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.i18n import has, t
from bot.news.canonical import canonical_url
from bot.news.feeds import default_name
from bot.team_config.checks import CHECK_BUDGET
from bot.team_config.form import FieldError

if TYPE_CHECKING:
    from bot.news.fetch import FetchResult

# Slack wants a view_submission answered within 3 s; the whole fetch must end well before.
FETCH_TIMEOUT = 2.0
ANSWER_MARGIN = 0.1  # the check answers with its own error just before run_checks gives up

Fetch = Callable[..., "FetchResult"]


@dataclass(frozen=True)
class FeedCheck:
    url: str
    title: str | None = None
    error: FieldError | None = None


def known_feed_error(url: str, team_urls: Iterable[str]) -> FieldError | None:
    """Refuse a feed the team already has, or one every team gets anyway."""
    wanted = canonical_url(url)
    if wanted in {canonical_url(u) for u in team_urls}:
        return FieldError("settings.error.feed_duplicate")
    if default_name(url) is not None:
        return FieldError("settings.error.feed_builtin")
    return None


def check_new_feed(
    url: str,
    lang: str,
    *,
    allow_private: bool,
    ports: frozenset[int] | None = None,
    timeout: float = FETCH_TIMEOUT,
    budget: float = CHECK_BUDGET - ANSWER_MARGIN,
    fetch: Fetch | None = None,
) -> FeedCheck:
    """Fetch and parse ``url`` once, all within ``budget`` seconds (the parse is stopped when
    it runs out); the error, if any, is worded in ``lang`` for the field."""
    # Here, not above: the fetch (httpx) and the parse in a child process (multiprocessing,
    # feedparser's forkserver) are loaded on the first feed an admin adds, not by every web
    # worker (bench/bench_ack.py, peak RSS).
    from bot.news.fetch import DEFAULT_PORTS, fetch_feed
    from bot.news.sandbox import parse_fetched

    started = time.monotonic()
    fetch = fetch or fetch_feed
    ports = DEFAULT_PORTS if ports is None else ports
    result = fetch(url, allow_private=allow_private, ports=ports, timeout=min(timeout, budget))
    if result.status != "ok":
        code = result.error_code or "network"
        key = (
            f"news.fetch_error.{code}"
            if has(f"news.fetch_error.{code}")
            else "news.fetch_error.network"
        )
        return FeedCheck(url, error=_failed(t(key, lang, detail=result.error or code)))
    parsed = parse_fetched(result, seconds=budget - (time.monotonic() - started))
    if parsed.error:
        return FeedCheck(url, error=_failed(t("news.fetch_error.parse", lang, detail=parsed.error)))
    return FeedCheck(url, title=parsed.title or None)


def _failed(reason: str) -> FieldError:
    return FieldError("settings.error.feed_failed", {"reason": " ".join(reason.split())[:300]})
