"""Exactly one digest per recipient per period: claimed in the database before it is sent.

A delivery is a ``digest_deliveries`` row, unique per (team, period, recipient). The INSERT
decides who sends: of two workers racing, one inserts and the other gets nothing back. Each
step commits on its own, so what the database says always matches what was done:

    claimed ──send ok──▶ sent
       │  └─ratelimited/5xx─▶ retry ──next run (bounded attempts)──▶ claimed
       │  └─permanent error─▶ failed   (shown to admins, never retried)
       │  └─answer lost (dropped connection, 500)─▶ maybe_sent   (shown to admins, never
       │        retried: Slack may have posted it, and a second copy is worse than none)
       └─worker killed: stays claimed; after the lease another run takes it over (an UPDATE
         that must change exactly one row to win)
    no row, claim too old, or retry, past the grace window ──▶ missed

Slack has no idempotency key, so a worker killed after Slack accepted a message but before
the row says ``sent`` leaves a claim whose message may be in Slack: whoever takes it over after
the lease (``Claim.orphaned_since``) first reads the recipient's conversation since the claim
and posts only when the digest of that period is not there (``bot.messaging.digest``); a read
that fails leaves it ``maybe_sent``. Killed before the request left, it is exactly once. The Slack
client never repeats a post on its own (``bot.messaging.client.READS``).

Claims and outcomes come in batches (``claim_all``, ``settle_all``: a few statements however
many rows), so that a run's threads can share their transactions; ``claim``, ``mark_sent``
and ``mark_failed`` are the batches of one.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.digest.sql import (
    insert_for,
    insert_rows_ignoring,
    on_postgresql,
    recordset,
    rows_json,
)
from bot.errors import MAYBE_DONE
from bot.models import DigestDelivery, DigestSentItem
from bot.vocabulary import DeliveryState

log = logging.getLogger(__name__)
# Core tables (declarative models type ``__table__`` as a FromClause).
_DELIVERIES = cast(Table, DigestDelivery.__table__)
_SENT_ITEMS = cast(Table, DigestSentItem.__table__)
_KEY = ("team_id", "period", "recipient")

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
ERROR_CHARS = 200

SETTLED = frozenset(
    {DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.MISSED, DeliveryState.MAYBE_SENT}
)
NEEDS_A_LOOK = (DeliveryState.FAILED, DeliveryState.MISSED, DeliveryState.MAYBE_SENT)

# Worth another try later; any other Slack error (channel_not_found, not_in_channel,
# is_archived, account_inactive, user_not_found, invalid_auth...) will not fix itself.
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "service_unavailable",
        "request_timeout",
        "network",
    }
)

# Statements built once (Core, no ORM bookkeeping): for the handful of rows a batch has,
# building a statement costs more than running it. Settling is one executemany of each.
_SETTLE_SENT = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("b_id"), _DELIVERIES.c.claimed_by == bindparam("b_worker"))
    .values(
        status=DeliveryState.SENT,
        sent_at=bindparam("b_at"),
        error=None,
        item_ids=bindparam("b_items"),
    )
)
_SETTLE_FAILED = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("b_id"), _DELIVERIES.c.claimed_by == bindparam("b_worker"))
    .values(status=bindparam("b_status"), error=bindparam("b_error"))
)
_SENT_ROWS = recordset(_DELIVERIES, ("id", "claimed_by", "sent_at", "item_ids"), "sent")
_SETTLE_SENT_PG = (  # the same over many rows in one statement (``bot.digest.sql.recordset``)
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == _SENT_ROWS.c.id, _DELIVERIES.c.claimed_by == _SENT_ROWS.c.claimed_by)
    .values(
        status=DeliveryState.SENT,
        sent_at=_SENT_ROWS.c.sent_at,
        error=None,
        item_ids=_SENT_ROWS.c.item_ids,
    )
)
_ITEMS_OF_PERIODS = select(
    _DELIVERIES.c.team_id, _DELIVERIES.c.period, _DELIVERIES.c.item_ids
).where(
    _DELIVERIES.c.team_id.in_(bindparam("teams", expanding=True)),
    _DELIVERIES.c.period.in_(bindparam("periods", expanding=True)),
    _DELIVERIES.c.status == DeliveryState.SENT,
)
_SENT_ITEMS_SINCE = select(_SENT_ITEMS.c.team_id, _SENT_ITEMS.c.item_id).where(
    _SENT_ITEMS.c.team_id.in_(bindparam("teams", expanding=True)),
    _SENT_ITEMS.c.sent_at >= bindparam("since"),
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
    # Set when this claim was taken over from a worker that died holding it: its message may
    # be in Slack already (posted since then), so the sender looks before posting again.
    orphaned_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Wanted:
    """A delivery a worker means to send: one recipient's digest of one period."""

    team_id: str
    period: str
    recipient: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """How sending a claimed delivery went, to be recorded."""

    claim: Claim
    error: str | None = None  # None: Slack took it
    item_ids: tuple[int, ...] = ()  # the stories it carried, when sent
    at: datetime | None = None  # when it was sent
    final: bool = False  # no later run will try again (an explicit send)
    # False when an earlier settlement of this run already recorded these stories as sent to
    # the team (its channel's copy): the rows would be the same, and ignored.
    new_stories: bool = True


@dataclass(frozen=True, slots=True)
class DeliveryProblem:
    """A delivery that did not happen, as admins see it."""

    period: str
    recipient: str
    status: str
    error: str | None
    at: datetime


def settled_by_team(
    session: Session, periods: Iterable[str], teams: Collection[str] | None = None
) -> dict[str, dict[tuple[str, str], str]]:
    """Team -> (period, recipient) -> status, for the rows of these periods (of ``teams``
    only, if given)."""
    wanted = sorted(set(periods))
    out: dict[str, dict[tuple[str, str], str]] = {}
    if not wanted or (teams is not None and not teams):
        return out
    query = select(
        DigestDelivery.team_id,
        DigestDelivery.period,
        DigestDelivery.recipient,
        DigestDelivery.status,
    ).where(DigestDelivery.period.in_(wanted))
    if teams is not None:
        query = query.where(DigestDelivery.team_id.in_(sorted(teams)))
    for row in session.execute(query):
        out.setdefault(row.team_id, {})[(row.period, row.recipient)] = row.status
    return out


def claim_all(
    session: Session,
    wanted: Sequence[Wanted],
    now: datetime,
    worker: str,
    *,
    lease: timedelta = LEASE,
) -> list[Claim | None]:
    """Win each delivery or get None for it; the caller commits before sending.

    Fresh rows are won by one INSERT for them all, in key order, so that two workers claiming
    overlapping sets wait for each other instead of deadlocking. An existing row is won by
    UPDATE only when its claim has outlived the lease (its worker died) or it is waiting for
    a retry; the UPDATE's WHERE repeats those conditions, so of two workers only one changes
    the row. Asked twice for one delivery, only the first asker gets it.
    """
    keys = sorted(set(wanted), key=lambda w: (w.team_id, w.period, w.recipient))
    won: dict[Wanted, Claim] = {}
    if keys:
        rows = insert_rows_ignoring(
            session,
            _DELIVERIES,
            _KEY,
            [
                {
                    "team_id": k.team_id,
                    "period": k.period,
                    "recipient": k.recipient,
                    "status": DeliveryState.CLAIMED,
                    "attempts": 1,
                    "claimed_by": worker,
                    "claimed_at": now,
                    "item_ids": [],
                }
                for k in keys
            ],
            returning=(
                _DELIVERIES.c.id,
                _DELIVERIES.c.team_id,
                _DELIVERIES.c.period,
                _DELIVERIES.c.recipient,
            ),
        )
        for row in rows:
            key = Wanted(row.team_id, row.period, row.recipient)
            won[key] = Claim(row.id, key.team_id, key.period, key.recipient, worker, 1)
    for key in keys:
        if key not in won and (taken := _take_over(session, key, now, worker, lease)):
            won[key] = taken
    return [won.pop(key, None) for key in wanted]  # popped: a second asker gets None


def _take_over(
    session: Session, key: Wanted, now: datetime, worker: str, lease: timedelta
) -> Claim | None:
    row = session.execute(
        select(
            _DELIVERIES.c.id,
            _DELIVERIES.c.attempts,
            _DELIVERIES.c.status,
            _DELIVERIES.c.claimed_at,
        ).where(
            _DELIVERIES.c.team_id == key.team_id,
            _DELIVERIES.c.period == key.period,
            _DELIVERIES.c.recipient == key.recipient,
        )
    ).one()
    taken = session.execute(
        update(_DELIVERIES)
        .where(
            _DELIVERIES.c.id == row.id,
            _DELIVERIES.c.attempts < MAX_ATTEMPTS,
            or_(
                and_(
                    _DELIVERIES.c.status == DeliveryState.CLAIMED,
                    _DELIVERIES.c.claimed_at < now - lease,
                ),
                _DELIVERIES.c.status == DeliveryState.RETRY,
            ),
        )
        .values(
            status=DeliveryState.CLAIMED,
            claimed_by=worker,
            claimed_at=now,
            attempts=_DELIVERIES.c.attempts + 1,
        )
    )
    if rowcount(taken) != 1:
        return None
    log.info(
        "delivery %s (%s %s) taken over for attempt %d",
        row.id,
        key.period,
        key.recipient,
        row.attempts + 1,
    )
    orphaned = row.claimed_at if row.status == DeliveryState.CLAIMED else None
    return Claim(row.id, key.team_id, key.period, key.recipient, worker, row.attempts + 1, orphaned)


def claim(
    session: Session,
    team_id: str,
    period: str,
    recipient: str,
    now: datetime,
    worker: str,
    *,
    lease: timedelta = LEASE,
) -> Claim | None:
    """Win one delivery or get None (see ``claim_all``)."""
    return claim_all(session, [Wanted(team_id, period, recipient)], now, worker, lease=lease)[0]


def record_missed(
    session: Session,
    team_id: str,
    period: str,
    recipient: str,
    now: datetime,
    *,
    lease: timedelta = LEASE,
) -> bool:
    """Past the grace window: record the occurrence as missed unless it was settled.

    A row that never existed, a claim whose worker died, or a retry that never succeeded all
    become ``missed``; True when this call recorded it.
    """
    inserted = session.execute(
        insert_for(session)(DigestDelivery)
        .values(
            team_id=team_id,
            period=period,
            recipient=recipient,
            status=DeliveryState.MISSED,
            attempts=0,
            claimed_at=now,
            item_ids=[],
        )
        .on_conflict_do_nothing(index_elements=["team_id", "period", "recipient"])
        .returning(DigestDelivery.id)
    ).scalar()
    if inserted is not None:
        return True
    changed = session.execute(
        update(DigestDelivery)
        .where(
            DigestDelivery.team_id == team_id,
            DigestDelivery.period == period,
            DigestDelivery.recipient == recipient,
            or_(
                and_(
                    DigestDelivery.status == DeliveryState.CLAIMED,
                    DigestDelivery.claimed_at < now - lease,
                ),
                DigestDelivery.status == DeliveryState.RETRY,
            ),
        )
        .values(status=DeliveryState.MISSED)
        .execution_options(synchronize_session=False)
    )
    return rowcount(changed) == 1


def status_after(outcome: Outcome) -> str:
    """``sent``; ``maybe_sent`` when Slack's answer was lost; ``retry`` for a transient error
    while attempts last (unless ``final``: nobody will come back for it); else ``failed``."""
    if outcome.error is None:
        return DeliveryState.SENT
    if outcome.error in MAYBE_DONE:
        return DeliveryState.MAYBE_SENT
    retry = (
        not outcome.final
        and outcome.error in TRANSIENT_ERRORS
        and outcome.claim.attempts < MAX_ATTEMPTS
    )
    return DeliveryState.RETRY if retry else DeliveryState.FAILED


def settle_all(session: Session, outcomes: Sequence[Outcome]) -> list[str]:
    """Record how each send went, and the stories of those sent as sent to their teams, in
    one statement per kind whatever their number; returns each one's new status."""
    statuses = [status_after(o) for o in outcomes]
    sent = sorted(
        (o for o, s in zip(outcomes, statuses, strict=True) if s == DeliveryState.SENT),
        key=lambda o: o.claim.id,
    )
    if sent:
        rows = [
            {
                "id": o.claim.id,
                "claimed_by": o.claim.worker,
                "sent_at": o.at,
                "item_ids": o.item_ids,
            }
            for o in sent
        ]
        if on_postgresql(session):
            result = session.execute(_SETTLE_SENT_PG, {"rows": rows_json(rows)})
        else:
            result = session.execute(_SETTLE_SENT, [_bound(row) for row in rows])
        if rowcount(result) != len(sent):  # a lease ran out mid-send and someone took over
            _warn_taken_over(session, sent)
        # In key order: two workers recording the same stories wait instead of deadlocking.
        stories = sorted(
            {(o.claim.team_id, i): o.at for o in sent if o.new_stories for i in o.item_ids}.items()
        )
        if stories:
            insert_rows_ignoring(
                session,
                _SENT_ITEMS,
                ("team_id", "item_id"),
                [{"team_id": team, "item_id": item, "sent_at": at} for (team, item), at in stories],
            )
    failed = sorted(
        ((o, s) for o, s in zip(outcomes, statuses, strict=True) if s != DeliveryState.SENT),
        key=lambda pair: pair[0].claim.id,
    )
    if failed:
        session.execute(
            _SETTLE_FAILED,
            [
                {
                    "b_id": o.claim.id,
                    "b_worker": o.claim.worker,
                    "b_status": status,
                    "b_error": (o.error or "")[:ERROR_CHARS],
                }
                for o, status in failed
            ],
        )
    for o, status in failed:
        log_at = log.info if status == DeliveryState.RETRY else log.warning
        log_at(
            "delivery %s to %s: %s (%s, attempt %d)",
            o.claim.id,
            o.claim.recipient,
            o.error,
            status,
            o.claim.attempts,
        )
    return statuses


def _bound(row: dict[str, Any]) -> dict[str, Any]:
    """A row for ``_SETTLE_SENT`` (its parameters are named apart from the columns)."""
    return {
        "b_id": row["id"],
        "b_worker": row["claimed_by"],
        "b_at": row["sent_at"],
        "b_items": list(row["item_ids"]),
    }


def _warn_taken_over(session: Session, sent: Sequence[Outcome]) -> None:
    holders = dict(
        session.execute(
            select(_DELIVERIES.c.id, _DELIVERIES.c.claimed_by).where(
                _DELIVERIES.c.id.in_([o.claim.id for o in sent])
            )
        ).all()
    )
    for o in sent:
        if holders.get(o.claim.id) != o.claim.worker:
            log.warning("delivery %s was taken over while this worker sent it", o.claim.id)


def mark_sent(session: Session, won: Claim, now: datetime, item_ids: Sequence[int]) -> None:
    """Settle a claim as sent and remember its stories as sent to the team."""
    settle_all(session, [Outcome(won, None, tuple(item_ids), now)])


def mark_failed(session: Session, won: Claim, error: str, *, final: bool = False) -> str:
    """Settle a failed send: see ``status_after``."""
    return settle_all(session, [Outcome(won, error, final=final)])[0]


def items_of_periods(
    session: Session, wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], set[int]]:
    """(team, period) -> items already delivered to some recipient of that team then."""
    out: dict[tuple[str, str], set[int]] = {pair: set() for pair in wanted}
    if not out:
        return out
    rows = session.execute(
        _ITEMS_OF_PERIODS,
        {
            "teams": sorted({team for team, _ in out}),
            "periods": sorted({period for _, period in out}),
        },
    )
    for row in rows:
        if (row.team_id, row.period) in out:
            out[(row.team_id, row.period)].update(int(i) for i in row.item_ids or [])
    return out


def sent_items(session: Session, team_ids: Iterable[str], since: datetime) -> dict[str, set[int]]:
    """Team -> items sent to it since ``since`` (older ones are out of any digest's window)."""
    out: dict[str, set[int]] = {team: set() for team in team_ids}
    if not out:
        return out
    for row in session.execute(_SENT_ITEMS_SINCE, {"teams": sorted(out), "since": since}):
        out[row.team_id].add(row.item_id)
    return out


def recent_failures(
    session: Session, team_id: str, limit: int = 5, since: datetime | None = None
) -> list[DeliveryProblem]:
    """The team's latest failed, missed and maybe-sent deliveries, newest first (admins)."""
    query = select(DigestDelivery).where(
        DigestDelivery.team_id == team_id, DigestDelivery.status.in_(NEEDS_A_LOOK)
    )
    if since is not None:
        query = query.where(DigestDelivery.claimed_at >= since)
    rows = session.scalars(
        query.order_by(DigestDelivery.claimed_at.desc(), DigestDelivery.id.desc()).limit(limit)
    )
    return [DeliveryProblem(r.period, r.recipient, r.status, r.error, r.claimed_at) for r in rows]
