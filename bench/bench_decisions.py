"""Benchmark: a team's first page of decisions, plain and filtered by a word, on PostgreSQL.

    python bench/bench_decisions.py [--database-url URL] [--teams 1000] [--per-team 1000]
                                    [--samples 2000]

Builds the schema with the real migrations in a throw-away PostgreSQL schema, loads
teams x per-team decisions with COPY (indexes dropped during the load and rebuilt from the
migration's own definitions), then times the app's own query function ``list_page`` for random
teams. Each figure is printed beside the 20 ms p99 target and as a ratio to a baseline taken
in the same run (a ``SELECT 1`` round trip through the same session), so numbers from
different machines can be compared. The schema is dropped at the end, whatever happens.

Each figure is also printed as a ``BENCH`` line (``bench.emit``) for ``bench/run.py``: the p99,
its target, and the baseline's p99. ``BENCH_QUICK=1`` loads 100 teams x 1,000 decisions and
takes 500 samples.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import Row, emit  # noqa: E402
from bot.db import make_engine  # noqa: E402
from bot.decisions.search import list_page, search_terms, words_filter  # noqa: E402
from bot.models import Decision  # noqa: E402
from tests.conftest import migrated_schema  # noqa: E402

TARGET_MS = 20.0
SCHEMA = f"bench_decisions_{os.getpid()}"
VERDICTS = ("buy", "wrap", "fine_tune", "build")
STATUSES = ("proposed", "decided", "decided", "decided", "revisiting", "superseded", "reversed")
# Everyday words (each in a few percent of decisions) and rare ones (about 1 in 1,000).
COMMON = (
    "model",
    "vendor",
    "support",
    "search",
    "pricing",
    "latency",
    "hosting",
    "agents",
    "privacy",
    "copilot",
    "inference",
    "contract",
    "evals",
    "retrieval",
    "budget",
    "security",
    "open",
    "weights",
    "api",
    "team",
    "customer",
    "legal",
    "speech",
    "vision",
    "routing",
    "tokens",
    "cost",
    "cloud",
    "gpu",
    "data",
    "quality",
    "risk",
)
RARE = tuple(f"codename{n}" for n in range(40))
COMMON_WORD, RARE_WORD = "pricing", "codename7"


def _words(rng: random.Random, count: int) -> str:
    picked = rng.choices(COMMON, k=count)
    if rng.random() < 0.04:
        picked[rng.randrange(count)] = rng.choice(RARE)
    return " ".join(picked)


def _rows(teams: int, per_team: int, seed: int = 7) -> list[str]:
    """COPY text-format lines (no tabs, newlines or backslashes in the generated text)."""
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    lines = []
    for n in range(teams * per_team):
        team = f"T{n % teams:08d}"
        owner = f"U{rng.randrange(50):08d}"
        created = start + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        review = date(2026, 1, 1) + timedelta(days=rng.randrange(730))
        lines.append(
            "\t".join(
                (
                    team,
                    _words(rng, rng.randint(3, 7)),
                    rng.choice(VERDICTS),
                    _words(rng, rng.randint(8, 20)),
                    "",
                    owner,
                    "[]",
                    rng.choice(STATUSES),
                    review.isoformat(),
                    owner,
                    created.isoformat(),
                    created.isoformat(),
                )
            )
            + "\n"
        )
    return lines


COLUMNS = (
    "team_id, title, verdict, rationale, alternatives, owner_id, participants, status, "
    "review_date, created_by, created_at, updated_at"
)


def load(engine: Engine, teams: int, per_team: int) -> float:
    """Load the decisions; returns the seconds it took (generation, COPY, indexes, analyze)."""
    began = time.perf_counter()
    lines = _rows(teams, per_team)
    with engine.begin() as conn:
        indexdefs = list(
            conn.scalars(
                text(
                    "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = 'decisions' AND indexname NOT LIKE 'pk_%'"
                )
            )
        )
        for name in conn.scalars(
            text(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'decisions' AND indexname NOT LIKE 'pk_%'"
            )
        ):
            conn.execute(text(f'DROP INDEX "{name}"'))
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY decisions ({COLUMNS}) FROM STDIN") as copy:
            for chunk in range(0, len(lines), 50_000):
                copy.write("".join(lines[chunk : chunk + 50_000]))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for indexdef in indexdefs:  # exactly what the migration created
            conn.execute(text(indexdef))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE decisions"))
    return time.perf_counter() - began


def timed(session: Session, run: Callable[[], object], samples: int) -> list[float]:
    for _ in range(min(200, samples)):  # warm the cache and the prepared statements
        run()
    out = []
    for _ in range(samples):
        began = time.perf_counter()
        run()
        out.append((time.perf_counter() - began) * 1000)
    return out


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def report(
    name: str,
    values: list[float],
    baseline: list[float] | None,
    *,
    target: bool = True,
    note: str = "",
) -> bool:
    """Print one figure for people and, unless it is the baseline itself, as a ``BENCH`` row
    (``target=False``: informative, no pass or miss)."""
    p50, p99 = p(values, 0.5), p(values, 0.99)
    ok = p99 <= TARGET_MS
    ratio = (
        f"  ratio to baseline: p50 x{p50 / p(baseline, 0.5):.1f}, "
        f"p99 x{p99 / p(baseline, 0.99):.1f}"
        if baseline
        else ""
    )
    verdict = ("OK" if ok else "OVER") if baseline else "baseline"
    print(
        f"{name:<48} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   target p99 <= {TARGET_MS:.0f} ms"
        f"  {verdict}{ratio}"
    )
    if baseline:
        emit(
            Row(
                f"decisions: {name}, p99",
                round(p99, 3),
                "ms",
                target=TARGET_MS if target else None,
                baseline=round(p(baseline, 0.99), 3),
                baseline_label="SELECT 1 round trip, p99",
                note=f"p50 {p50:.3f} ms; {note}".rstrip("; "),
            )
        )
    return ok


def plan_of(session: Session, team_id: str, words: str) -> str:
    """The scans PostgreSQL picks for list_page's query (same SQL, same bound parameters)."""
    query = (
        select(Decision.id)
        .where(Decision.team_id == team_id, words_filter("postgresql", search_terms(words)))
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(11)
    )
    compiled = query.compile(session.get_bind())
    lines = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    scans = [row[0].strip(" ->").split("  (")[0] for row in lines if "Scan" in row[0]]
    return "; ".join(scans)


def measure(engine: Engine, teams: int, samples: int, note: str = "") -> bool:
    rng = random.Random(11)
    team_ids = [f"T{rng.randrange(teams):08d}" for _ in range(samples)]

    def cycle(run: Callable[[str], object]) -> Callable[[], object]:
        it = iter(team_ids * 2)
        return lambda: run(next(it))

    with Session(engine) as session:
        baseline = timed(session, lambda: session.execute(text("SELECT 1")).scalar(), samples)
        report("baseline: SELECT 1 round trip", baseline, None)
        figures = {
            "first page": cycle(lambda team: list_page(session, team, 1, "")),
            f"page filtered by a common word ({COMMON_WORD})": cycle(
                lambda team: list_page(session, team, 1, COMMON_WORD)
            ),
            f"page filtered by a rare word ({RARE_WORD})": cycle(
                lambda team: list_page(session, team, 1, RARE_WORD)
            ),
            "page 5, filtered by a common word": cycle(
                lambda team: list_page(session, team, 5, COMMON_WORD)
            ),
        }
        # The targets are the first page, plain and filtered; page 5 is informative.
        results = [
            report(name, timed(session, run, samples), baseline, target=n < 3, note=note)
            for n, (name, run) in enumerate(figures.items())
        ]
        for word in (COMMON_WORD, RARE_WORD):
            print(f"plan for {word!r}: {plan_of(session, team_ids[0], word)}")
    return all(results[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    quick = os.environ.get("BENCH_QUICK") == "1"
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--teams", type=int, default=100 if quick else 1000)
    parser.add_argument("--per-team", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=500 if quick else 2000)
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith(("postgres", "postgresql")):
        print(
            "needs PostgreSQL: pass --database-url postgresql://… or set TEST_DATABASE_URL",
            file=sys.stderr,
        )
        return 2
    with migrated_schema(args.database_url, SCHEMA) as url:
        engine = make_engine(url)
        try:
            seconds = load(engine, args.teams, args.per_team)
            print(
                f"loaded {args.teams * args.per_team:,} decisions across {args.teams:,} "
                f"teams in {seconds:.1f} s (schema {SCHEMA})"
            )
            ok = measure(
                engine,
                args.teams,
                args.samples,
                note=f"{args.teams * args.per_team:,} decisions, {args.teams:,} teams, "
                f"{args.samples:,} samples",
            )
        finally:
            engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
