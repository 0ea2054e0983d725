"""Exactly one digest per recipient per period: claimed in the database before it is sent.

A delivery is a ``digest_deliveries`` row, unique per (team, period, recipient). The INSERT
decides who sends: of two workers racing, one inserts and the other gets nothing back. Each
step commits on its own, so what the database says always matches what was done:

    claimed ──send ok──▶ sent
       │  └─ratelimited/5xx─▶ retry ──next run (bounded attempts)──▶ claimed
       │  └─permanent error─▶ failed   (shown to admins, never retried)
       └─worker killed: stays claimed; after the lease another run takes it over (an UPDATE
         that must change exactly one row to win)
    no row, claim too old, or retry, past the grace window ──▶ missed

Slack has no idempotency key, so a worker killed after Slack accepted a message but before
the row says ``sent`` leaves a claim that is sent again after the lease: the one window where
a recipient can get two copies. Killed before the request left, it is exactly once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.digest.sql import insert_for
from bot.models import DigestDelivery, DigestSentItem

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
ERROR_CHARS = 200

CLAIMED, SENT, RETRY, FAILED, MISSED = "claimed", "sent", "retry", "failed", "missed"
SETTLED = frozenset({SENT, FAILED, MISSED})

# Worth another try later; any other Slack error (channel_not_found, not_in_channel,
# is_archived, account_inactive, user_not_found, invalid_auth...) will not fix itself.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
     "network"}
)


def channel_recipient(channel_id: str) -> str:
    return f"channel:{channel_id}"


def user_recipient(user_id: str) -> str:
    return f"user:{user_id}"


def now_period(moment: datetime) -> str:
    """The period of an explicit ``digest now`` send: never the same as a scheduled one."""
    return "now-" + moment.strftime("%Y%m%dT%H%M%S%fZ")


def new_worker_id() -> str:
    """Who holds a claim (host, process, run), for operators reading the table."""
    return f"{socket.gethostname()[:40]}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker won and must now send and settle."""

    id: int
    team_id: str
    period: str
    recipient: str
    worker: str
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryProblem:
    """A delivery that did not happen, as admins see it."""

    period: str
    recipient: str
    status: str
    error: str | None
    at: datetime


def settled_by_team(session: Session, periods: Iterable[str]
                    ) -> dict[str, dict[tuple[str, str], str]]:
    """Team -> (period, recipient) -> status, for every team's rows of these periods."""
    wanted = sorted(set(periods))
    out: dict[str, dict[tuple[str, str], str]] = {}
    if not wanted:
        return out
    rows = session.execute(
        select(DigestDelivery.team_id, DigestDelivery.period, DigestDelivery.recipient,
               DigestDelivery.status).where(DigestDelivery.period.in_(wanted))
    )
    for row in rows:
        out.setdefault(row.team_id, {})[(row.period, row.recipient)] = row.status
    return out


def claim(session: Session, team_id: str, period: str, recipient: str, now: datetime,
          worker: str, *, lease: timedelta = LEASE) -> Claim | None:
    """Win the delivery or get None; the caller commits before sending.

    A fresh row wins by INSERT. An existing one is won by UPDATE only when its claim has
    outlived the lease (its worker died) or it is waiting for a retry; the UPDATE's WHERE
    repeats those conditions, so of two workers only one changes the row.
    """
    inserted = session.execute(
        insert_for(session)(DigestDelivery)
        .values(team_id=team_id, period=period, recipient=recipient, status=CLAIMED,
                attempts=1, claimed_by=worker, claimed_at=now, item_ids=[])
        .on_conflict_do_nothing(index_elements=["team_id", "period", "recipient"])
        .returning(DigestDelivery.id)
    ).scalar()
    if inserted is not None:
        return Claim(inserted, team_id, period, recipient, worker, 1)
    row = session.execute(
        select(DigestDelivery.id, DigestDelivery.attempts).where(
            DigestDelivery.team_id == team_id, DigestDelivery.period == period,
            DigestDelivery.recipient == recipient)
    ).one()
    taken = session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == row.id, DigestDelivery.attempts < MAX_ATTEMPTS,
               or_(and_(DigestDelivery.status == CLAIMED, DigestDelivery.claimed_at < now - lease),
                   DigestDelivery.status == RETRY))
        .values(status=CLAIMED, claimed_by=worker, claimed_at=now,
                attempts=DigestDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    log.info("delivery %s (%s %s) taken over for attempt %d", row.id, period, recipient,
             row.attempts + 1)
    return Claim(row.id, team_id, period, recipient, worker, row.attempts + 1)


def record_missed(session: Session, team_id: str, period: str, recipient: str,
                  now: datetime, *, lease: timedelta = LEASE) -> bool:
    """Past the grace window: record the occurrence as missed unless it was settled.

    A row that never existed, a claim whose worker died, or a retry that never succeeded all
    become ``missed``; True when this call recorded it.
    """
    inserted = session.execute(
        insert_for(session)(DigestDelivery)
        .values(team_id=team_id, period=period, recipient=recipient, status=MISSED,
                attempts=0, claimed_at=now, item_ids=[])
        .on_conflict_do_nothing(index_elements=["team_id", "period", "recipient"])
        .returning(DigestDelivery.id)
    ).scalar()
    if inserted is not None:
        return True
    changed = session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.team_id == team_id, DigestDelivery.period == period,
               DigestDelivery.recipient == recipient,
               or_(and_(DigestDelivery.status == CLAIMED, DigestDelivery.claimed_at < now - lease),
                   DigestDelivery.status == RETRY))
        .values(status=MISSED)
        .execution_options(synchronize_session=False)
    )
    return changed.rowcount == 1


def mark_sent(session: Session, won: Claim, now: datetime, item_ids: Sequence[int]) -> None:
    """Settle a claim as sent and remember its stories as sent to the team."""
    changed = session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == won.id, DigestDelivery.claimed_by == won.worker)
        .values(status=SENT, sent_at=now, error=None, item_ids=list(item_ids))
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # our lease ran out mid-send and someone else took over
        log.warning("delivery %s was taken over while this worker sent it", won.id)
    if item_ids:  # one statement executed for many rows, compiled once whatever their number
        session.execute(
            insert_for(session)(DigestSentItem.__table__)
            .on_conflict_do_nothing(index_elements=["team_id", "item_id"]),
            [{"team_id": won.team_id, "item_id": i, "sent_at": now}
             for i in dict.fromkeys(item_ids)],
        )


def mark_failed(session: Session, won: Claim, error: str, *, final: bool = False) -> str:
    """Settle a failed send: ``retry`` for transient errors while attempts last (unless
    ``final``: nobody will come back for it), else ``failed``."""
    retry = not final and error in TRANSIENT_ERRORS and won.attempts < MAX_ATTEMPTS
    status = RETRY if retry else FAILED
    session.execute(
        update(DigestDelivery)
        .where(DigestDelivery.id == won.id, DigestDelivery.claimed_by == won.worker)
        .values(status=status, error=error[:ERROR_CHARS])
        .execution_options(synchronize_session=False)
    )
    log_at = log.info if status == RETRY else log.warning
    log_at("delivery %s to %s: %s (%s, attempt %d)", won.id, won.recipient, error, status,
           won.attempts)
    return status


def items_of_period(session: Session, team_id: str, period: str) -> set[int]:
    """Items already delivered to some recipient of this team in ``period``."""
    rows = session.scalars(
        select(DigestDelivery.item_ids).where(DigestDelivery.team_id == team_id,
                                              DigestDelivery.period == period,
                                              DigestDelivery.status == SENT)
    )
    return {int(i) for ids in rows for i in (ids or [])}


def sent_items(session: Session, team_id: str, since: datetime) -> set[int]:
    """Items sent to the team since ``since`` (older ones are out of any digest's window)."""
    return set(session.scalars(
        select(DigestSentItem.item_id).where(DigestSentItem.team_id == team_id,
                                             DigestSentItem.sent_at >= since)
    ))


def recent_failures(session: Session, team_id: str, limit: int = 5,
                    since: datetime | None = None) -> list[DeliveryProblem]:
    """The team's latest failed and missed deliveries, newest first (for the admins' view)."""
    query = select(DigestDelivery).where(DigestDelivery.team_id == team_id,
                                         DigestDelivery.status.in_((FAILED, MISSED)))
    if since is not None:
        query = query.where(DigestDelivery.claimed_at >= since)
    rows = session.scalars(
        query.order_by(DigestDelivery.claimed_at.desc(), DigestDelivery.id.desc()).limit(limit)
    )
    return [DeliveryProblem(r.period, r.recipient, r.status, r.error, r.claimed_at) for r in rows]
