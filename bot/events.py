"""Slack events handled once, and handled again when the first handling died.

An event is claimed on arrival and marked done when its handler finishes. A retry of it is
acknowledged without running while the event is done, or while its claim is fresh (Slack's
first retry comes within seconds, when the first delivery is still being handled); after
``LEASE`` a claim never marked done belongs to a process that died mid-handler, and the retry
runs it again (for ``app_uninstalled``: the tokens are deleted after all). A handler that
raises gives its claim back at once. Handlers are therefore written to be safe to run twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.digest.sql import insert_ignoring
from bot.models import ProcessedEvent

_PROCESSED = cast(Table, ProcessedEvent.__table__)
ID_CHARS = 64
# Slack retries about at once, then after a minute, then after five: the first is dropped while
# the original is being handled, the next ones find a dead handler's claim expired.
LEASE = timedelta(seconds=30)


def event_id_of(body: dict[str, Any]) -> str | None:
    """The Events API id of a request body, None for anything that is not an event."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    return str(event_id)[:ID_CHARS] if event_id else None


def claim(session: Session, event_id: str, team_id: str | None, now: datetime) -> bool:
    """True when this delivery of the event is the one to handle it (see the module)."""
    inserted = session.execute(
        insert_ignoring(session, _PROCESSED, ("event_id",), returning=(_PROCESSED.c.event_id,)),
        {"event_id": event_id, "team_id": team_id, "received_at": now, "done_at": None},
    ).first()
    if inserted is not None:
        return True
    taken = session.execute(
        update(_PROCESSED)
        .where(
            _PROCESSED.c.event_id == event_id,
            _PROCESSED.c.done_at.is_(None),
            _PROCESSED.c.received_at < now - LEASE,
        )
        .values(received_at=now)
    )
    return rowcount(taken) == 1


def mark_done(session: Session, event_id: str, now: datetime) -> None:
    session.execute(update(_PROCESSED).where(_PROCESSED.c.event_id == event_id).values(done_at=now))


def give_back(session: Session, event_id: str) -> None:
    """The handler failed: the next retry of the event runs it again."""
    session.execute(
        delete(_PROCESSED).where(_PROCESSED.c.event_id == event_id, _PROCESSED.c.done_at.is_(None))
    )
