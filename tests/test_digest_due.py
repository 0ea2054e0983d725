"""The worker's minute pass asks the database which teams may have a digest due
(``bot.digest.due.candidate_teams``) and reads only theirs: the candidates must include every
team ``DeliveryRun.pending`` says True for (else a digest would silently never go), and the
pass must hand each team the same plan and delivery rows as when it read every team.

The reference below is the pass as it was: every team's plan and rows read, then ``pending``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from bot.digest import delivery
from bot.digest.due import candidate_teams
from bot.digest.schedule import (
    Schedule,
    latest_occurrence,
    newest_period,
    possible_periods,
    team_zone_name,
    zone,
)
from bot.digest.teams import TeamPlan, load_plans
from bot.jobs.digest import deliver_digests
from bot.messaging.digest import DeliveryRun, Settled, TeamOutcome
from bot.models import DigestDelivery, DigestRecipient, TeamSettings, Workspace
from bot.vocabulary import DeliveryState

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; the US and Europe change clocks after it
DAYS = ["mon", "daily", "tue,fri", "SAT, sun", "", "someday", "wed"]
TIMES = ["09:00", "00:10", "23:50", "02:30", "", "25:99", "17:45"]
ZONES = [
    None,
    "",
    "Europe/Paris",
    "America/Los_Angeles",
    "Pacific/Kiritimati",  # UTC+14
    "Etc/GMT+12",  # UTC-12
    "Asia/Kolkata",
    "Not/AZone",
]
STATUSES = list(DeliveryState)


def reference(services: Any, session: Session, now: datetime) -> tuple[set[str], dict[str, Any]]:
    """The teams with something pending, and every team's plan and rows: the pass before."""
    run = DeliveryRun(services, now)
    plans = [plan for plan in load_plans(session) if plan.has_recipients]
    periods = set().union(*(possible_periods(p.schedule, now) for p in plans))
    settled = delivery.settled_by_team(session, periods)
    pending = {p.team_id for p in plans if run.pending(p, settled.get(p.team_id, {}))}
    return pending, {p.team_id: (p, settled.get(p.team_id, {})) for p in plans}


@dataclass
class Seeded:
    team_id: str
    since: datetime  # the latest of the team's and its readers' "since"


def _looked_at(days: str, at: str, tz: str | None, itz: str | None, now: datetime) -> tuple:
    schedule = Schedule.parse(days, at)
    channel = latest_occurrence(schedule, now, zone(team_zone_name(tz, itz)))
    return newest_period(schedule, now), channel.period if channel else None


def _rows_for(
    rng: random.Random, team: str, recipient: str, period: str | None, now: datetime
) -> Iterator[DigestDelivery]:
    """Some delivery rows for one recipient: at the period the pending check reads, in any
    state, at a neighbouring period, at a "digest now" period, or none."""
    day = timedelta(days=rng.choice((1, 7)))
    choice = rng.random()
    if period is not None and choice < 0.65:
        chosen = period
    elif period is not None and choice < 0.8:
        shift = rng.choice((-day, day))
        chosen = (datetime.fromisoformat(period) + shift).date().isoformat()
    elif choice < 0.9:
        chosen = delivery.now_period(now - timedelta(minutes=rng.randrange(600)))
    else:
        return
    status = rng.choice(STATUSES) if rng.random() < 0.5 else DeliveryState.SENT
    yield DigestDelivery(
        team_id=team, period=chosen, recipient=recipient, status=status, claimed_at=now, attempts=1
    )


def seed_teams(session: Session, rng: random.Random, now: datetime, prefix: str) -> list[Seeded]:
    """40 teams of every kind, with delivery rows around ``now``."""
    seeded = []
    for n in range(40):
        team = f"{prefix}{n:03d}"
        days, at = rng.choice(DAYS), rng.choice(TIMES)
        tz, itz = rng.choice(ZONES), rng.choice(ZONES)
        channel = rng.choice((None, "", f"C{team}", f"C{team}"))
        installer = rng.choice((None, "", f"UI{team}"))
        old = rng.random() < 0.6
        installed = now - timedelta(days=60 if old else rng.uniform(0, 9))
        workspace = Workspace(
            team_id=team,
            installed_at=installed,
            installer_user_id=installer,
            installer_tz=itz,
            uninstalled_at=now if rng.random() < 0.05 else None,
        )
        workspace.settings = TeamSettings(
            team_id=team,
            digest_channel_id=channel,
            digest_days=days,
            digest_time=at,
            timezone=tz,
            digest_enabled=rng.random() > 0.05,
        )
        session.add(workspace)
        since = installed
        users = [f"U{team}{k}" for k in range(rng.choice((0, 0, 1, 1, 1, 3)))]
        for user in users:
            joined = (
                installed
                if old or rng.random() < 0.5
                else now - timedelta(hours=rng.uniform(0, 200))
            )
            since = max(since, joined)
            for role in ("manager", "subscriber") if rng.random() < 0.2 else ("manager",):
                session.add(
                    DigestRecipient(team_id=team, user_id=user, role=role, created_at=joined)
                )
        newest, channel_period = _looked_at(days, at, tz, itz, now)
        readers = users or ([installer] if installer and not channel else [])
        if rng.random() < 0.1:
            readers = [*readers, f"UGONE{team}"]  # someone who is no longer a recipient
        for user in readers:
            session.add_all(_rows_for(rng, team, delivery.user_recipient(user), newest, now))
        session.add_all(
            _rows_for(rng, team, delivery.channel_recipient(f"C{team}"), channel_period, now)
        )
        seeded.append(Seeded(team, since))
    session.commit()
    return seeded


def test_the_candidates_are_every_team_with_something_pending(services, session) -> None:
    rng = random.Random(17)
    moments = [START + timedelta(minutes=rng.randrange(21 * 24 * 60)) for _ in range(8)]
    moments += [datetime(2026, 3, 9, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]
    teams: list[Seeded] = []
    for i, now in enumerate(moments):
        teams += seed_teams(session, rng, now, f"T{i:02d}")
    kept = left_out = 0
    for now in moments:
        pending, plans = reference(services, session, now)
        candidates = candidate_teams(session, now)
        assert pending <= candidates, f"at {now}: left out {sorted(pending - candidates)}"
        # Where nobody joined lately, the database can tell as much as the pending check.
        settled_long_ago = {t.team_id for t in teams if t.since < now - timedelta(days=9)}
        assert candidates & settled_long_ago == pending & settled_long_ago, now
        kept += len(pending)
        left_out += len(settled_long_ago & plans.keys() - candidates)  # teams with recipients
    assert kept > 50 and left_out > 50  # both answers were put to the test


@pytest.mark.parametrize("listed", [10_000, 1], ids=["candidates listed", "too many to list"])
def test_the_pass_hands_each_team_the_same_plan_and_rows_as_before(
    services, session, monkeypatch, listed: int
) -> None:
    monkeypatch.setattr("bot.jobs.digest.LISTED_TEAMS", listed)
    rng = random.Random(23)
    moments = [START + timedelta(minutes=rng.randrange(14 * 24 * 60)) for _ in range(4)]
    for i, now in enumerate(moments):
        seed_teams(session, rng, now, f"T{i:02d}")
    handed: dict[str, tuple[TeamPlan, Settled]] = {}

    def team(run: DeliveryRun, plan: TeamPlan, settled: Settled) -> TeamOutcome:
        handed[plan.team_id] = (plan, settled)
        return TeamOutcome(plan.team_id)

    monkeypatch.setattr(DeliveryRun, "team", team)
    for now in moments:
        services.clock = lambda now=now: now
        handed.clear()
        deliver_digests(services)
        pending, before = reference(services, session, now)
        assert handed.keys() == pending
        for team_id, (plan, settled) in handed.items():
            old_plan, old_settled = before[team_id]
            assert plan == old_plan
            periods = possible_periods(plan.schedule, now)  # all the team's run can look at
            assert {k: v for k, v in settled.items() if k[0] in periods} == {
                k: v for k, v in old_settled.items() if k[0] in periods
            }


@pytest.mark.parametrize(
    ("what", "rows", "due"),
    [
        ("all settled", {"channel:C1": "sent", "user:U1": "failed", "user:U2": "missed"}, False),
        (
            "the channel's claim in flight",
            {"channel:C1": "claimed", "user:U1": "sent", "user:U2": "sent"},
            True,
        ),
        ("a reader to retry", {"channel:C1": "sent", "user:U1": "sent", "user:U2": "retry"}, True),
        ("a reader with no row", {"channel:C1": "sent", "user:U1": "maybe_sent"}, True),
        ("the channel with no row", {"user:U1": "sent", "user:U2": "sent"}, True),
    ],
)
def test_one_team_is_left_out_only_when_every_recipient_is_settled(
    session, what: str, rows: dict[str, str], due: bool
) -> None:
    """Monday 9 March 2026, 09:30 in Paris: the channel's period and the readers' newest."""
    now = datetime(2026, 3, 9, 8, 30, tzinfo=UTC)
    workspace = Workspace(team_id="T1", installed_at=START - timedelta(days=30), installer_tz=None)
    workspace.settings = TeamSettings(
        team_id="T1", digest_channel_id="C1", timezone="Europe/Paris", digest_days="mon"
    )
    session.add(workspace)
    for user in ("U1", "U2"):
        session.add(DigestRecipient(team_id="T1", user_id=user, role="manager", created_at=START))
    for recipient, status in rows.items():
        session.add(
            DigestDelivery(
                team_id="T1",
                period="2026-03-09",
                recipient=recipient,
                status=status,
                claimed_at=now,
            )
        )
    session.commit()
    assert (candidate_teams(session, now) == {"T1"}) is due, what


class RowsRead:
    """Rows and statements the app's sessions read (every statement goes through here)."""

    def __init__(self) -> None:
        self.rows = self.statements = 0

    def __call__(self, state: ORMExecuteState) -> Any:
        result = state.invoke_statement()
        self.statements += 1
        if getattr(result, "returns_rows", True) is False:  # an UPDATE without RETURNING
            return result
        frozen = result.freeze()
        self.rows += len(frozen.data)
        return frozen()


def _settled_teams(session: Session, first: int, count: int, now: datetime) -> None:
    """Teams whose Monday digest went to their channel and manager: nothing due."""
    for n in range(first, first + count):
        team = f"T{n:05d}"
        workspace = Workspace(team_id=team, installed_at=START - timedelta(days=30))
        workspace.settings = TeamSettings(team_id=team, digest_channel_id=f"C{n}", timezone="UTC")
        session.add(workspace)
        session.add(
            DigestRecipient(team_id=team, user_id=f"U{n}", role="manager", created_at=START)
        )
        for recipient in (f"channel:C{n}", f"user:U{n}"):
            session.add(
                DigestDelivery(
                    team_id=team,
                    period="2026-03-09",
                    recipient=recipient,
                    status="sent",
                    claimed_at=now,
                )
            )
    session.commit()


def test_a_pass_reads_rows_for_its_candidates_not_for_every_team(
    services, session, monkeypatch
) -> None:
    now = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # Wednesday: Monday's digests went out
    services.clock = lambda: now
    monkeypatch.setattr(DeliveryRun, "team", lambda run, plan, settled: TeamOutcome(plan.team_id))
    for team in ("TDUE1", "TDUE2"):  # never sent: due (missed) at every pass
        workspace = Workspace(team_id=team, installed_at=START - timedelta(days=30))
        workspace.settings = TeamSettings(team_id=team, digest_channel_id="C9", timezone="UTC")
        session.add(workspace)
    session.commit()

    def one_pass() -> RowsRead:
        counted = RowsRead()
        event.listen(Session, "do_orm_execute", counted)
        try:
            report = deliver_digests(services)
        finally:
            event.remove(Session, "do_orm_execute", counted)
        assert {t.team_id for t in report.teams} == {"TDUE1", "TDUE2"}
        return counted

    _settled_teams(session, 0, 20, now)
    one_pass()  # the first one also stores the built-in feeds
    few = one_pass()
    _settled_teams(session, 20, 200, now)
    many = one_pass()
    assert (many.rows, many.statements) == (few.rows, few.statements)
    assert many.rows < 40  # reading every team's plan and rows: over 600
