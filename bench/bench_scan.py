"""Benchmark: the worker's minute pass over 100,000 workspaces when nothing is due.

    python bench/bench_scan.py [--teams 100000] [--database-url URL]

``python -m bot worker`` runs a delivery pass every minute, and most passes find nothing due,
so at 100,000 workspaces this pass is what a worker and PostgreSQL carry all day. The pass
asks PostgreSQL which teams may have something due (``bot.digest.due``) and reads the plans
and delivery rows of those only. The run seeds ``--teams`` teams (a channel and a manager
each, weekly on Monday at 09:00 Paris time) whose latest digest is settled, two delivery rows
per team, then times full passes on Wednesday: none is a candidate.

Baseline, same run: what the pass read before it asked for candidates, every team's rows
fetched raw (the plan join, the recipients and the settled rows, as tuples); below 1x, the
pass costs less than merely fetching every team's rows.
Target: a pass takes at most a tenth of its minute (6 s). ``BENCH_QUICK=1`` seeds 10,000.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bench import Row, emit  # noqa: E402
from bench.bench_digest import PERIOD_START, database, insert_teams  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import session_scope  # noqa: E402
from bot.digest.due import candidate_teams  # noqa: E402
from bot.digest.schedule import Schedule, possible_periods  # noqa: E402
from bot.jobs.digest import deliver_digests  # noqa: E402
from bot.models import DigestDelivery, DigestRecipient, TeamSettings, Workspace  # noqa: E402
from bot.services import Services  # noqa: E402
from bot.vocabulary import DeliveryState  # noqa: E402

PASS_TARGET_S = 6.0
ROUNDS = 3
CHUNK = 10_000
NOW = PERIOD_START + timedelta(days=2)  # Wednesday: Monday's digest went out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(services: Services, teams: int) -> int:
    """``teams`` teams whose latest digest is settled; returns the delivery rows written."""
    installed = PERIOD_START - timedelta(days=30)
    periods = sorted(possible_periods(Schedule.parse(None, None), NOW))
    rows = 0
    for start in range(0, teams, CHUNK):
        ids = [f"T{n:09d}" for n in range(start, min(start + CHUNK, teams))]
        with session_scope(services.sessions, write=True) as session:
            insert_teams(session, ids, installed)
            settled = [
                {
                    "team_id": team,
                    "period": period,
                    "recipient": recipient,
                    "status": DeliveryState.SENT,
                    "claimed_at": PERIOD_START,
                    "sent_at": PERIOD_START,
                }
                for n, team in enumerate(ids)  # insert_teams numbers channels and users so
                for period in periods
                for recipient in (f"channel:C{n:09d}", f"user:U{n:09d}")
            ]
            session.execute(insert(DigestDelivery), settled)
            rows += len(settled)
    return rows


def raw_read(services: Services) -> float:
    """Seconds to fetch, as plain tuples, every team's rows (what a pass read before)."""
    periods = sorted(possible_periods(Schedule.parse(None, None), NOW))
    began = time.perf_counter()
    with session_scope(services.sessions) as session:
        session.execute(
            select(Workspace.__table__, TeamSettings.__table__)
            .join(TeamSettings.__table__, TeamSettings.team_id == Workspace.team_id)
            .where(Workspace.uninstalled_at.is_(None), TeamSettings.digest_enabled.is_(True))
            .order_by(Workspace.team_id)
        ).all()
        session.execute(select(DigestRecipient.__table__)).all()
        session.execute(
            select(
                DigestDelivery.team_id,
                DigestDelivery.period,
                DigestDelivery.recipient,
                DigestDelivery.status,
            ).where(DigestDelivery.period.in_(periods))
        ).all()
    return time.perf_counter() - began


def one_pass(services: Services) -> tuple[float, float]:
    """Wall and CPU seconds of one delivery pass, which must send nothing."""
    cpu, began = time.process_time(), time.perf_counter()
    report = deliver_digests(services)
    wall = time.perf_counter() - began
    busy = sum(report.total(state) for state in ("sent", "failed", "retry", "missed"))
    if busy:
        raise SystemExit(f"the pass was meant to find nothing due; it handled {busy} deliveries")
    return wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--teams", type=int, default=10_000 if quick else 100_000)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    with database(args.database_url) as url:
        services = Services.from_settings(
            Settings(
                _env_file=None,
                DATABASE_URL=url,
                SLACK_BOT_TOKEN="xoxb-bench-token",
                SLACK_SIGNING_SECRET="bench",
                SLACK_API_BASE_URL="http://127.0.0.1:9/api/",  # nothing may be sent
            )
        )
        services.clock = lambda: NOW
        log(f"seeding {args.teams:,} teams")
        began = time.monotonic()
        rows = seed(services, args.teams)
        log(f"seeded in {time.monotonic() - began:.0f} s")
        if services.engine.dialect.name == "postgresql":
            with services.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
        one_pass(services)  # warm: caches, connection pool, plans
        with session_scope(services.sessions) as session:
            candidates = len(candidate_teams(session, NOW))
        passes = []
        for _ in range(ROUNDS):
            passes.append(one_pass(services))
            log(f"pass: {passes[-1][0]:.1f} s, CPU {passes[-1][1]:.1f} s")
        raw = statistics.median(raw_read(services) for _ in range(ROUNDS))
        wall = statistics.median(w for w, _ in passes)
        cpu = statistics.median(c for _, c in passes)
        services.engine.dispose()
    where = "PostgreSQL" if args.database_url else "SQLite"
    emit(
        Row(
            f"worker minute pass, nothing due, {args.teams:,} teams [{where}]",
            wall,
            "s",
            target=PASS_TARGET_S,
            baseline=raw,
            baseline_label="every team's rows fetched raw, as the pass read before",
            note=f"median of {ROUNDS}; CPU {cpu:.2f} s in the worker; {rows:,} settled "
            f"delivery rows; {candidates:,} candidate teams read; the pass runs once a minute",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
