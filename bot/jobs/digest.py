"""The digest's two scheduler jobs: fetch the feeds, deliver the digests that are due.

``fetch_feeds`` (every 30 minutes) fetches each distinct feed once, however many teams read
it, with a conditional GET; a failing feed is recorded and backed off and never stops the
others. ``deliver_digests`` (every minute) finds the teams with something due, ranks the
stored news once (only then), and runs up to ``DIGEST_DELIVERY_CONCURRENCY`` teams at once
in threads: per team, each recipient's due occurrence is claimed, composed, sent and settled
(``bot.messaging.digest``), the claims and settlements of all the teams in flight going to the
database together (``bot.digest.batch``). A team's messages go to different channels (one
per channel and period), paced anyway at one per second per channel. The work is mostly
waiting for Slack, so a run takes about as long as its slowest team until the CPU is the
limit: then about the run's CPU time (see ``bench/bench_digest.py``). More worker processes
share the load safely: the claims keep every delivery single.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.db import session_scope
from bot.digest import delivery
from bot.digest.due import candidate_teams
from bot.digest.schedule import possible_periods
from bot.digest.store import feeds_due, prune_items, record_fetch, store_entries
from bot.digest.teams import TeamPlan, load_plans
from bot.messaging.digest import DeliveryReport, DeliveryRun, TeamOutcome
from bot.news.fetch import Validators, fetch_all
from bot.news.sandbox import parse_fetched
from bot.services import Services

log = logging.getLogger(__name__)

FETCH_MINUTES = 30
DELIVER_MINUTES = 1
FETCH_TIMEOUT = 10.0
LISTED_TEAMS = 10_000  # team ids in one statement: SQLite takes 32,766 parameters at most


@dataclass
class FetchReport:
    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    new_items: int = 0


def fetch_feeds(services: Services) -> FetchReport:
    """One pass over every feed in use; returns what happened, for logs and tests."""
    now = services.clock()
    report = FetchReport()
    # A write unit: on a fresh database this read creates the built-in feeds' rows, and a
    # deferred SQLite transaction that reads and then writes fails at once ("database is
    # locked") when the web process committed in between, as at start-up (tests/test_startup.py).
    with session_scope(services.sessions, write=True) as session:
        due = feeds_due(session, now)
    if not due:
        return report
    results = fetch_all(
        [f.url for f in due],
        validators={f.url: Validators(f.etag, f.last_modified) for f in due},
        allow_private=services.settings.FEEDS_ALLOW_PRIVATE_ADDRESSES,
        ports=services.settings.feed_ports,
        timeout=FETCH_TIMEOUT,
    )
    for feed in due:
        result = results[feed.url]
        parsed = None
        if result.ok:
            parsed = parse_fetched(result, source=feed.name, now=now)
        parse_error = parsed.error if parsed else None
        try:
            with session_scope(services.sessions, write=True) as session:  # one feed each
                if parsed and not parse_error:
                    report.new_items += store_entries(session, feed.id, parsed.entries, now)
                record_fetch(
                    session,
                    feed.id,
                    result,
                    now,
                    parse_error=parse_error,
                    title=parsed.title if parsed else None,
                )
        except SQLAlchemyError:
            log.exception("could not store feed %s", feed.id)
            report.failed += 1
            continue
        if result.status == "error" or parse_error:
            report.failed += 1
        elif result.status == "not_modified":
            report.not_modified += 1
        else:
            report.fetched += 1
    with session_scope(services.sessions, write=True) as session:
        prune_items(session, now)
    log.info(
        "feeds: %d fetched, %d unchanged, %d failed, %d new items",
        report.fetched,
        report.not_modified,
        report.failed,
        report.new_items,
    )
    return report


def _parallelism(services: Services, workers: int | None) -> int:
    # A session factory bound to one connection (tests) cannot be shared by threads.
    if isinstance(services.sessions.kw.get("bind"), Connection):
        return 1
    return max(1, workers or services.settings.DIGEST_DELIVERY_CONCURRENCY)


def deliver_digests(services: Services, *, workers: int | None = None) -> DeliveryReport:
    """One pass: every recipient whose digest is due gets it once; see the module docstring.

    The database first names the teams that may have something due (``candidate_teams``);
    only their plans and delivery rows are read, so a run in which nothing is due (most of
    them) reads next to nothing, however many teams there are, and makes no Slack call.
    """
    started = time.monotonic()
    now = services.clock()
    run = DeliveryRun(services, now)
    with session_scope(services.sessions) as session:
        teams = candidate_teams(session, now)
        # Listed in the statements when they fit; a pass with more candidates than that
        # (many teams due at once) reads every team's rows, as a statement has few parameters.
        listed = teams if len(teams) <= LISTED_TEAMS else None
        plans = [
            plan
            for plan in load_plans(session, teams=listed)
            if plan.team_id in teams and plan.has_recipients
        ]
        periods = set().union(*(possible_periods(p.schedule, now) for p in plans))
        settled = delivery.settled_by_team(session, periods, listed)
    due = [plan for plan in plans if run.pending(plan, settled.get(plan.team_id, {}))]

    def one(plan: TeamPlan) -> TeamOutcome:
        return run.team(plan, settled.get(plan.team_id, {}))

    parallel = min(_parallelism(services, workers), max(len(due), 1))
    try:
        if parallel == 1:
            outcomes = [one(plan) for plan in due]
        else:
            with ThreadPoolExecutor(parallel, thread_name_prefix="digest") as executor:
                outcomes = list(executor.map(one, due))
    finally:
        run.close()
    report = DeliveryReport(outcomes, time.monotonic() - started)
    if report.total("sent") or report.total("failed") or report.total("missed"):
        log.info(
            "digests: %d sent, %d failed, %d to retry, %d missed in %.1f s",
            report.total("sent"),
            report.total("failed"),
            report.total("retry"),
            report.total("missed"),
            report.seconds,
        )
    return report


__all__ = ["DeliveryReport", "FetchReport", "deliver_digests", "fetch_feeds"]
