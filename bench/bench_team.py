"""Benchmark: closing a team round of 200 people (issue 15: "closes in under 2 s").

    python bench/bench_team.py [--database-url URL] [--people 200] [--rounds 5]

Each sample is the app's own ``close_round``: the close claimed and committed, the 200
members' answers read, pooled (200 scorings, the pooled one and the stakes of every split),
stored as an assessment, the result posted to the channel and the starter's status updated,
against the fake Slack Web API of the tests (a real local HTTP server, so the posts are real
requests). Members answer at random, so nearly every question is split.

The baseline, measured in the same run on the same database and fake: one person's
assessment scored, stored and posted (``score_answers`` + ``save_assessment`` + one
``chat.postMessage``). The figure is the median close, beside the 2 s target, and its ratio
to the baseline. SQLite (a fresh file) unless ``--database-url``/``TEST_DATABASE_URL`` names a
PostgreSQL server, where a throw-away migrated schema is used and dropped. ``BENCH_QUICK=1``
takes 3 samples.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_sdk import WebClient  # noqa: E402

from bench import Row, emit  # noqa: E402
from bot.assessment.engine import score_answers  # noqa: E402
from bot.assessment.questions import QUESTIONS  # noqa: E402
from bot.assessment.rounds import create_round, record_answers  # noqa: E402
from bot.assessment.store import save_assessment  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import make_engine, make_session_factory, session_scope, upgrade_to_head  # noqa: E402
from bot.jobs.team_rounds import close_round  # noqa: E402
from bot.models import utcnow  # noqa: E402
from bot.services import Services  # noqa: E402

TARGET_S = 2.0
TEAM, STARTER, CHANNEL, TOKEN = "T0BENCH01", "U0STARTER", "C0BENCH01", "xoxb-bench"


@contextlib.contextmanager
def database(url: str | None, workdir: Path) -> Iterator[tuple[str, str]]:
    """(URL, label): a throw-away PostgreSQL schema, migrated, or a fresh SQLite file."""
    if not url:
        sqlite = f"sqlite:///{workdir / 'bench.db'}"
        upgrade_to_head(sqlite)
        yield sqlite, "SQLite"
        return
    from tests.conftest import migrated_schema

    with migrated_schema(url, f"bench_team_{os.getpid()}") as scoped:
        yield scoped, "PostgreSQL"


def random_answers(rng: random.Random) -> dict[str, str]:
    return {q: rng.choice(answers) for q, answers in QUESTIONS.items()}


def open_round(services: Services, people: list[str], rng: random.Random) -> int:
    """A round where everyone has answered, ready to close."""
    now = utcnow()
    with session_scope(services.sessions, write=True) as session:
        info = create_round(
            session,
            team_id=TEAM,
            channel_id=CHANNEL,
            starter_id=STARTER,
            title="Bench round",
            people=people,
            anonymous=False,
            lang="en",
            now=now,
        )
        for user in people:
            record_answers(session, TEAM, info.id, user, random_answers(rng), now)
    return info.id


def single(services: Services, client: WebClient, rng: random.Random) -> float:
    """The baseline: one person's assessment scored, stored and posted."""
    start = time.perf_counter()
    assessment = score_answers(random_answers(rng))
    with session_scope(services.sessions, write=True) as session:
        save_assessment(
            session,
            team_id=TEAM,
            channel_id=CHANNEL,
            user_id=STARTER,
            title="Bench",
            assessment=assessment,
            lang="en",
        )
    client.chat_postMessage(channel=CHANNEL, text=assessment.verdict)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3 if os.environ.get("BENCH_QUICK") else 7)
    args = parser.parse_args(argv)

    from tests.fakes.slack_api import FakeSlackAPI

    slack = FakeSlackAPI()
    slack.add_team(TEAM, bot_token=TOKEN)
    slack.add_channel(TEAM, CHANNEL)
    people = [f"U0P{n:06d}" for n in range(args.people)]
    for user in [STARTER, *people]:
        slack.add_user(TEAM, user)
    rng = random.Random(15)
    try:
        with tempfile.TemporaryDirectory() as tmp, database(args.database_url, Path(tmp)) as db:
            url, label = db
            engine = make_engine(url)
            settings = Settings(
                _env_file=None,
                SLACK_BOT_TOKEN=TOKEN,
                SLACK_SIGNING_SECRET="bench",
                DATABASE_URL=url,
                SLACK_API_BASE_URL=slack.base_url,
            )
            services = Services(
                settings=settings, engine=engine, sessions=make_session_factory(engine)
            )
            client = WebClient(token=TOKEN, base_url=slack.base_url)
            single(services, client, rng)  # warm up imports, caches and connections
            baseline = statistics.median(single(services, client, rng) for _ in range(20))
            closes = []
            for _ in range(args.rounds):
                round_id = open_round(services, people, rng)
                start = time.perf_counter()
                assert close_round(services, client, TEAM, round_id, by=STARTER)
                closes.append(time.perf_counter() - start)
            engine.dispose()
    finally:
        slack.close()
    if slack.invalid:
        print(f"invalid blocks sent: {slack.invalid}", file=sys.stderr)
        return 1
    median = statistics.median(closes)
    print(
        f"close of a {args.people}-person round ({label}): median {median:.3f} s, "
        f"max {max(closes):.3f} s over {len(closes)} rounds; baseline (one person's "
        f"assessment scored, stored, posted) {baseline * 1000:.1f} ms; "
        f"ratio {median / baseline:.1f}x",
        file=sys.stderr,
    )
    emit(
        Row(
            figure=f"team round close, {args.people} people",
            value=round(median, 4),
            unit="s",
            target=TARGET_S,
            baseline=round(baseline, 5),
            baseline_label="one person's assessment scored, stored, posted",
            note=f"{label}; median of {len(closes)} closes; random answers (nearly all split)",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
