"""Review reminders: who is due, and a claim that makes each reminder go out at most once.

The claim is a ``review_reminders`` row, unique per (decision, review date), committed before
the DM is sent: with two workers or a restart mid-run, the INSERT decides who sends and the
other one skips. A DM that fails after its claim is recorded, not retried (one DM, never two).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.decisions.rules import ACTIVE_STATUSES, SNOOZE_DAYS, next_review, team_today
from bot.decisions.store import change
from bot.models import Decision, ReviewReminder, TeamSettings

log = logging.getLogger(__name__)

# A worker that was down still reminds for review dates this far back, and no further.
LOOKBACK_DAYS = 30
ERROR_LENGTH = 200


@dataclass(frozen=True)
class DueReminder:
    decision_id: int
    team_id: str
    owner_id: str
    title: str
    verdict: str
    review_date: date
    language: str
    link: str | None = None  # the message it was logged from


def due_reminders(session: Session, now: datetime) -> list[DueReminder]:
    """Active decisions whose review date has come in their team's time zone, not yet claimed."""
    # The earliest time zones are a day ahead of UTC; each team's own date is checked below.
    horizon = now.date() + timedelta(days=1)
    claimed = exists().where(
        ReviewReminder.decision_id == Decision.id,
        ReviewReminder.review_date == Decision.review_date,
    )
    rows = session.execute(
        select(
            Decision.id,
            Decision.team_id,
            Decision.owner_id,
            Decision.title,
            Decision.verdict,
            Decision.review_date,
            TeamSettings.timezone,
            TeamSettings.language,
            Decision.link,
        )
        .outerjoin(TeamSettings, TeamSettings.team_id == Decision.team_id)
        .where(
            Decision.review_date.between(now.date() - timedelta(days=LOOKBACK_DAYS), horizon),
            Decision.status.in_(ACTIVE_STATUSES),
            ~claimed,
        )
        .order_by(Decision.review_date, Decision.id)
    )
    return [
        DueReminder(
            r.id,
            r.team_id,
            r.owner_id,
            r.title,
            r.verdict,
            r.review_date,
            r.language or "en",
            r.link,
        )
        for r in rows
        if r.review_date <= team_today(now, r.timezone)
    ]


def claim(session: Session, reminder: DueReminder, now: datetime) -> bool:
    """True when this worker won the reminder; the caller commits before sending."""
    decision = session.get(Decision, reminder.decision_id)
    if (
        decision is None
        or decision.team_id != reminder.team_id
        or decision.review_date != reminder.review_date
        or decision.status not in ACTIVE_STATUSES
    ):
        return False  # changed since it was listed (snoozed, reversed...)
    try:
        with session.begin_nested():
            session.add(
                ReviewReminder(
                    team_id=reminder.team_id,
                    decision_id=reminder.decision_id,
                    review_date=reminder.review_date,
                    claimed_at=now,
                )
            )
    except IntegrityError:
        log.info(
            "reminder for decision %s on %s already claimed",
            reminder.decision_id,
            reminder.review_date,
        )
        return False
    return True


def mark_sent(
    session: Session, reminder: DueReminder, now: datetime, error: str | None = None
) -> None:
    row = session.scalar(
        select(ReviewReminder).where(
            ReviewReminder.decision_id == reminder.decision_id,
            ReviewReminder.review_date == reminder.review_date,
        )
    )
    if row is None:
        return
    if error is None:
        row.sent_at = now
    else:
        row.error = error[:ERROR_LENGTH]


def _team_today(session: Session, team_id: str, now: datetime) -> date:
    timezone = session.scalar(select(TeamSettings.timezone).where(TeamSettings.team_id == team_id))
    return team_today(now, timezone)


def still_right(session: Session, decision: Decision, user_id: str, now: datetime) -> date:
    """Confirmed: decided again, next review after the team's review period."""
    period = (
        session.scalar(
            select(TeamSettings.review_period_days).where(TeamSettings.team_id == decision.team_id)
        )
        or 90
    )
    new_date = next_review(_team_today(session, decision.team_id, now), period)
    change(session, decision, user_id, "confirmed", now, status="decided", review_date=new_date)
    return new_date


def snooze(session: Session, decision: Decision, user_id: str, now: datetime) -> date:
    new_date = next_review(_team_today(session, decision.team_id, now), SNOOZE_DAYS)
    change(session, decision, user_id, "snoozed", now, review_date=new_date)
    return new_date


def revisit(session: Session, decision: Decision, user_id: str, now: datetime) -> None:
    change(session, decision, user_id, "revisiting", now, status="revisiting")
