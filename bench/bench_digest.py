"""Benchmark: the news digest at 1,000 teams, from feed fetching to delivery.

    python bench/bench_digest.py [--teams 1000] [--database-url URL] [--workers 64]
                                 [--network-ms 50]

Everything runs through the app's own jobs against local fakes: 20 feeds of 50 items served
by the tests' feed server; the fake Slack API enforcing Slack's one message per second per
channel, with a simulated network round trip per message, in a process of its own (Slack does
not share our CPU; it skips Block Kit validation here, which the tests do); and a database
made by the real migrations (a throw-away SQLite file, or a dedicated PostgreSQL schema with
--database-url or TEST_DATABASE_URL). Three figures, each beside its target and a baseline
measured in the same run:

- fetches per run: ``fetch_feeds`` must ask each distinct feed once (20), however many teams
  read it; the baseline is what fetching per team would cost (the sum of the teams' feeds);
- composing every team's digest from the stored items (load, rank once, per team: what it was
  sent, its decisions): at most 5 s on one core; the baseline is composing each team from
  scratch (cluster and rank its feeds' entries), timed on a sample and scaled to all teams;
- one delivery run (a channel message and a manager DM per team, every team due at once):
  the issue's target is a run lasting about as long as its slowest team (checked here as at
  most twice the slowest team of the baseline, where each team runs alone); the baseline is
  the same delivery one team at a time (next week's digest for a sample of teams, timed in
  the same run and scaled); the CPU the run cost per message, in the app and in the fake
  Slack; and the count of 429 answers (must be 0: the per-channel pace is kept).

``BENCH_QUICK=1`` runs 200 teams.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, update  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import Row, emit  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import session_scope, upgrade_to_head  # noqa: E402
from bot.digest import store
from bot.digest.compose import team_digest  # noqa: E402
from bot.digest.pool import NewsPool  # noqa: E402
from bot.digest.teams import load_plans, team_decisions  # noqa: E402
from bot.jobs import digest as jobs  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.models import (  # noqa: E402
    Decision,
    DigestRecipient,
    DigestSentItem,
    Feed,
    NewsItem,
    NewsItemSource,
    TeamFeed,
    TeamSettings,
    Workspace,
)
from bot.news.compose import compose_digest  # noqa: E402
from bot.news.dedupe import cluster_stories  # noqa: E402
from bot.news.feeds import FeedSource  # noqa: E402
from bot.news.normalize import Entry  # noqa: E402
from bot.services import Services  # noqa: E402
from tests.conftest import migrated_schema  # noqa: E402
from tests.fakes import slack_api as fake_slack  # noqa: E402
from tests.fakes.feed_server import Canned, FeedServer, rfc822, rss2  # noqa: E402

FEEDS, ITEMS, BUILT_IN = 20, 50, 14
COMPOSE_TARGET_S = 5.0
NETWORK_S = 0.050  # a Slack round trip, simulated by the fake per chat.postMessage
BOT_TOKEN = "xoxb-bench-token"
SLACK_TEAM = "TBENCH0001"
PERIOD_START = datetime(2026, 3, 9, 8, 1, tzinfo=UTC)  # Monday 09:01 in Paris

COMPANIES = (
    "OpenAI",
    "Anthropic",
    "Mistral",
    "Google",
    "Meta",
    "Nvidia",
    "Cohere",
    "xAI",
    "DeepSeek",
    "Alibaba",
    "Microsoft",
    "Amazon",
    "Apple",
    "Hugging Face",
    "Databricks",
)
EVENTS = (
    "cuts API prices for",
    "releases open weights for",
    "raises $2 billion for",
    "launches a new model called",
    "is sued over",
    "opens a data center for",
    "publishes a paper on",
    "signs a deal around",
    "updates rate limits on",
    "ships agents built on",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _serve_fake_slack(conn: Connection) -> None:
    """The child process: a fake Slack API whose methods the parent calls through ``conn``."""
    fake_slack.validate_blocks = lambda blocks, surface="message": []  # time ours, not jsonschema
    fake = fake_slack.FakeSlackAPI()
    conn.send(fake.base_url)
    while (request := conn.recv()) is not None:
        name, args, kwargs = request
        try:
            if name == "cpu_seconds":
                answer: object = time.process_time()
            elif name == "post_counts":  # messages per channel, without shipping every call
                answer = Counter(c.params["channel"] for c in fake.calls_to("chat.postMessage"))
            elif name == "post_count":
                answer = len(fake.calls_to("chat.postMessage"))
            else:
                answer = getattr(fake, name)(*args, **kwargs)
            conn.send((True, answer))
        except Exception as exc:  # handed to the parent, which raises it
            conn.send((False, exc))
    fake.close()


class FakeSlackProcess:
    """The tests' fake Slack API in a process of its own, so that it does not share the app's
    interpreter (real Slack does not); its methods are called through a pipe, and
    ``cpu_seconds()`` says how much CPU it has used."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_fake_slack, args=(child,), daemon=True)
        self._process.start()
        self.base_url: str = self._conn.recv()

    def __getattr__(self, name: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            self._conn.send((name, args, kwargs))
            ok, answer = self._conn.recv()
            if not ok:
                raise answer
            return answer

        return call

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(10)


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A migrated database: a temporary SQLite file, or a PostgreSQL schema dropped after."""
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            path = f"sqlite:///{Path(tmp) / 'bench.db'}"
            upgrade_to_head(path)
            yield path
        return
    with migrated_schema(url, f"bench_digest_{os.getpid()}") as scoped:
        yield scoped


def feed_bodies(now: datetime, rng: random.Random) -> list[bytes]:
    """20 RSS feeds of 50 items; one story in ten is also carried by one or two other feeds."""
    feeds: list[list[dict[str, str]]] = [[] for _ in range(FEEDS)]
    story = 0
    while min(len(f) for f in feeds) < ITEMS:
        story += 1
        title = f"{rng.choice(COMPANIES)} {rng.choice(EVENTS)} project{story}"
        published = rfc822(now - timedelta(minutes=rng.randrange(10 * 24 * 60)))
        carriers = rng.sample(range(FEEDS), rng.choice((2, 3)) if rng.random() < 0.1 else 1)
        for f in carriers:
            if len(feeds[f]) < ITEMS:
                feeds[f].append(
                    {
                        "title": title,
                        "pubDate": published,
                        "link": f"https://outlet{f}.example/{story}",
                        "description": f"What happened with project{story}.",
                    }
                )
    return [rss2(f"Outlet {n}", items).encode() for n, items in enumerate(feeds)]


def insert_teams(session: Session, ids: list[str], installed: datetime) -> None:
    """Bare teams in bulk: installed at ``installed``, a digest channel and one manager each."""
    session.execute(
        insert(Workspace),
        [{"team_id": t, "installed_at": installed, "installer_tz": "Europe/Paris"} for t in ids],
    )
    session.execute(
        insert(TeamSettings),
        [
            {"team_id": t, "digest_channel_id": f"C{n:09d}", "timezone": "Europe/Paris"}
            for n, t in enumerate(ids)
        ],
    )
    session.execute(
        insert(DigestRecipient),
        [
            {"team_id": t, "user_id": f"U{n:09d}", "role": "manager", "created_at": installed}
            for n, t in enumerate(ids)
        ],
    )


def add_teams(services: Services, teams: int, feed_urls: list[str], rng: random.Random) -> int:
    """Teams with a channel and one manager; one in ten adds one or two non-built-in feeds.
    Returns how many feed subscriptions a per-team fetcher would make."""
    extra = feed_urls[BUILT_IN:]
    subscriptions = 0
    with session_scope(services.sessions) as session:
        feed_ids = {url: store.ensure_feed(session, url).id for url in feed_urls}
        installed = PERIOD_START - timedelta(days=30)
        ids = [f"T{n:09d}" for n in range(teams)]
        insert_teams(session, ids, installed)
        own = []
        for t in ids:
            chosen = rng.sample(extra, rng.choice((1, 2))) if rng.random() < 0.1 else []
            own.extend({"team_id": t, "feed_id": feed_ids[url]} for url in chosen)
            subscriptions += BUILT_IN + len(chosen)
        if own:
            session.execute(insert(TeamFeed), own)
        session.execute(
            insert(Decision),
            [
                {
                    "team_id": t,
                    "title": f"{verdict} for {t}",
                    "verdict": verdict,
                    "owner_id": "U1",
                    "created_by": "U1",
                    "participants": [],
                    "rationale": "",
                    "alternatives": "",
                }
                for t in ids
                for verdict in ("wrap", "build")
            ],
        )
    return subscriptions


def add_history(services: Services, now: datetime, rng: random.Random) -> None:
    """Each team was sent 16 of the stored items last week."""
    with session_scope(services.sessions) as session:
        items = list(session.scalars(select(NewsItem.id)))
        teams = list(session.scalars(select(Workspace.team_id)))
        session.execute(
            insert(DigestSentItem),
            [
                {"team_id": t, "item_id": i, "sent_at": now - timedelta(days=7)}
                for t in teams
                for i in rng.sample(items, 16)
            ],
        )


def bench_fetch(services: Services, server: FeedServer, subscriptions: int) -> None:
    with session_scope(services.sessions) as session:
        distinct = len(store.feeds_due(session, services.clock()))
    started = time.perf_counter()
    report = jobs.fetch_feeds(services)
    seconds = time.perf_counter() - started
    fetches = sum(server.hits.values())
    log(f"fetch: {fetches} requests in {seconds:.2f} s, {report.new_items} new items")
    again = jobs.fetch_feeds(services)
    log(f"fetch again: {again.not_modified} answered 304 Not Modified")
    emit(
        Row(
            "fetches per run",
            fetches,
            "requests",
            target=distinct,
            baseline=subscriptions,
            baseline_label="one fetch per team and feed",
            note=f"{distinct} distinct feeds; a second run: {again.not_modified} x 304",
        )
    )


def stored_entries(session: Session) -> list[tuple[Entry, int]]:
    """Every stored (item, feed) as the entry it came from, with its feed id."""
    rows = session.execute(
        select(NewsItem, NewsItemSource.feed_id, NewsItemSource.source_name, Feed.url)
        .join(NewsItemSource, NewsItemSource.item_id == NewsItem.id)
        .join(Feed, Feed.id == NewsItemSource.feed_id)
    )
    return [
        (
            Entry(
                item.title,
                item.canonical_url or None,
                item.guid,
                item.summary,
                item.published_at,
                source,
                url,
            ),
            feed_id,
        )
        for item, feed_id, source, url in rows
    ]


def bench_compose(services: Services, now: datetime, teams: int) -> None:
    period = "2026-03-09"
    started = time.perf_counter()
    with session_scope(services.sessions) as session:
        pool = NewsPool.load(session, now)
        plans = load_plans(session)
        digests = [team_digest(session, pool, plan, period, now) for plan in plans]
    seconds = time.perf_counter() - started
    assert len(digests) == teams and all(len(d.items) == 8 for d in digests)
    sample = plans[:: max(len(plans) // 20, 1)][:20]
    with session_scope(services.sessions) as session:
        entries = stored_entries(session)
        began = time.perf_counter()
        for plan in sample:
            mine = [e for e, feed in entries if feed in plan.feed_ids]
            compose_digest(
                cluster_stories(mine),
                now=now,
                limit=plan.limit,
                decisions=team_decisions(session, plan.team_id),
                lang=plan.lang,
            )
        naive = (time.perf_counter() - began) / len(sample) * teams
    log(f"compose: {teams} teams in {seconds:.2f} s; from scratch per team: {naive:.1f} s")
    emit(
        Row(
            f"compose digests for {teams} teams",
            round(seconds, 3),
            "s",
            target=COMPOSE_TARGET_S,
            baseline=round(naive, 3),
            baseline_label="each team clustered and ranked from scratch (sampled, scaled)",
            note=f"{FEEDS} feeds x {ITEMS} items, {len({p.feed_ids for p in plans})} distinct "
            "feed sets",
        )
    )


def slack_knows_teams(slack: FakeSlackProcess, teams: int, network_s: float) -> None:
    """The fake Slack knows each team's channel and manager, posts to a channel at most once a
    second (Slack's limit) and takes ``network_s`` to answer a post."""
    slack.add_team(SLACK_TEAM, bot_token=BOT_TOKEN)
    for n in range(teams):
        slack.add_channel(SLACK_TEAM, f"C{n:09d}")
        slack.add_user(SLACK_TEAM, f"U{n:09d}")
    slack.enforce_channel_rate(1.0)
    slack.delay("chat.postMessage", network_s, times=None)


def bench_delivery(services: Services, slack: FakeSlackProcess, teams: int) -> None:
    slack_knows_teams(slack, teams, NETWORK_S)

    services.clock = lambda: PERIOD_START
    concurrency = services.settings.DIGEST_DELIVERY_CONCURRENCY
    app_cpu, fake_cpu = time.process_time(), slack.cpu_seconds()
    parallel = jobs.deliver_digests(services)
    app_cpu, fake_cpu = time.process_time() - app_cpu, slack.cpu_seconds() - fake_cpu
    sent = parallel.total("sent")
    calls = Counter(c.params["channel"] for c in slack.calls_to("chat.postMessage"))
    # Each channel and DM gets one message: any second call to one is a retry after a 429.
    rate_limited = sum(count - 1 for count in calls.values())
    # The baseline: next week's digest for a sample of teams, one team at a time, scaled. Its
    # slowest team, timed alone, is what "the time of the slowest team" means: in the run
    # above each team also waits its turn for the CPU.
    sample = max(teams // 10, 20)
    with session_scope(services.sessions) as session:
        session.execute(
            update(TeamSettings)
            .where(TeamSettings.team_id >= f"T{sample:09d}")
            .values(digest_enabled=False)
        )
    services.clock = lambda: PERIOD_START + timedelta(days=7)
    sequential = jobs.deliver_digests(services, workers=1)
    one_by_one = sequential.seconds * teams / sample
    alone = sequential.slowest
    team_sum = sum(t.seconds for t in parallel.teams)
    log(
        f"delivery: {sent} messages in {parallel.seconds:.2f} s, {concurrency} teams at a time "
        f"(slowest team alone {alone:.3f} s, in the run {parallel.slowest:.3f} s; sum of team "
        f"times {team_sum:.1f} s); one team at a time: {sequential.seconds:.2f} s for {sample} "
        f"teams, {one_by_one:.1f} s scaled to {teams}; CPU: app {app_cpu:.2f} s, fake Slack "
        f"{fake_cpu:.2f} s"
    )
    # The target: about as long as the slowest team (read here as at most twice it).
    emit(
        Row(
            f"delivery run, {teams} teams ({2 * teams} messages)",
            round(parallel.seconds, 2),
            "s",
            target=round(2 * alone, 2),
            baseline=round(one_by_one, 2),
            baseline_label=f"one team at a time ({sample} teams timed, scaled)",
            note=f"{concurrency} teams at a time, {NETWORK_S * 1000:.0f} ms per Slack call; "
            f"slowest team alone {alone:.2f} s (in the run {parallel.slowest:.2f} s); "
            f"the run cannot be shorter than the app's CPU time (one core: the GIL), "
            f"{app_cpu:.1f} s here",
        )
    )
    emit(
        Row(
            "delivery CPU per message",
            round(app_cpu / max(sent, 1) * 1000, 3),
            "ms",
            note=f"app process (claim, compose, Block Kit, HTTP client, settle); the fake "
            f"Slack, in its own process, used {fake_cpu / max(sent, 1) * 1000:.2f} ms "
            f"per message; {os.cpu_count()} cores",
        )
    )
    emit(
        Row(
            "429 answers during delivery",
            rate_limited,
            "answers",
            target=0,
            note=f"{sum(calls.values())} chat.postMessage calls to {len(calls)} channels",
        )
    )


def main() -> int:
    global NETWORK_S
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--teams", type=int, default=200 if quick else 1000)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument(
        "--workers",
        type=int,
        default=Settings.model_fields["DIGEST_DELIVERY_CONCURRENCY"].default,
        help="teams delivered at once (DIGEST_DELIVERY_CONCURRENCY)",
    )
    parser.add_argument(
        "--network-ms",
        type=float,
        default=50.0,
        help="simulated Slack round trip per message (default 50)",
    )
    args = parser.parse_args()
    NETWORK_S = args.network_ms / 1000
    rng = random.Random(5)
    server = FeedServer(now=PERIOD_START - timedelta(minutes=1)).start()
    slack = FakeSlackProcess()
    try:
        with database(args.database_url) as url:
            urls = [server.url(f"/feed{n}.xml") for n in range(FEEDS)]
            for n, body in enumerate(feed_bodies(server.now, rng)):
                server.routes[f"/feed{n}.xml"] = Canned(body, etag=f'"feed{n}"')
            store.DEFAULT_FEEDS = tuple(
                FeedSource(f"Outlet {n}", u) for n, u in enumerate(urls[:BUILT_IN])
            )
            settings = Settings(
                _env_file=None,
                DATABASE_URL=url,
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_SIGNING_SECRET="bench",
                SLACK_API_BASE_URL=slack.base_url,
                FEEDS_ALLOW_PRIVATE_ADDRESSES=True,
                DIGEST_DELIVERY_CONCURRENCY=args.workers,
            )
            # As ``python -m bot worker`` does: left unset, slack_sdk formats each post's whole
            # body for a DEBUG line it then drops (``bot.logs``).
            configure_logging(settings.LOG_LEVEL)
            services = Services.from_settings(settings)
            services.clock = lambda: PERIOD_START
            subscriptions = add_teams(services, args.teams, urls, rng)
            bench_fetch(services, server, subscriptions)
            add_history(services, PERIOD_START, rng)
            bench_compose(services, PERIOD_START, args.teams)
            bench_delivery(services, slack, args.teams)
            services.engine.dispose()
    finally:
        server.stop()
        slack.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
