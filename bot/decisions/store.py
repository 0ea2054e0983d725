"""Decisions read and changed strictly within one team, every change kept in its history.

Every lookup takes the team id from the request, so an id forged from another workspace is
simply not found here: nothing is read or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.admins import is_admin
from bot.assessment.rounds import RoundMark, round_marks
from bot.db import rowcount, team_row
from bot.decisions.rules import DecisionDraft, DraftRejected
from bot.errors import NotAllowed, NotFound, UserError, parse_id
from bot.models import AssessmentRow, Decision, DecisionEvent

# Fields an edit may change, in the order the history shows them.
EDITABLE = (
    "title",
    "verdict",
    "rationale",
    "alternatives",
    "owner_id",
    "participants",
    "status",
    "review_date",
    "assessment_id",
)


@dataclass(frozen=True)
class DecisionSummary:
    """What lists, the Home tab and reminders show of a decision (no session needed)."""

    id: int
    title: str
    verdict: str
    status: str
    owner_id: str
    review_date: date | None
    created_at: datetime
    link: str | None = None  # the permalink of the message it was logged from
    assessment_id: int | None = None
    team_round: RoundMark | None = None  # saved from a team round's result: that round

    @classmethod
    def of(cls, decision: Decision) -> DecisionSummary:
        return cls(
            decision.id,
            decision.title,
            decision.verdict,
            decision.status,
            decision.owner_id,
            decision.review_date,
            decision.created_at,
            decision.link,
            decision.assessment_id,
        )


def summaries(
    session: Session, team_id: str, decisions: Iterable[Decision]
) -> list[DecisionSummary]:
    """Summaries of ``decisions``, those saved from a team round's result marked with that
    round (one query for all of them)."""
    out = [DecisionSummary.of(d) for d in decisions]
    marks = round_marks(session, team_id, (s.assessment_id for s in out))
    return [
        replace(s, team_round=marks[s.assessment_id]) if s.assessment_id in marks else s
        for s in out
    ]


@dataclass(frozen=True)
class Source:
    """Where a decision comes from in Slack: its message's permalink and the thread to tell."""

    link: str | None = None
    channel: str | None = None
    thread_ts: str | None = None


def safe_link(link: str | None) -> str | None:
    """A permalink fit to put in mrkdwn (``<url|label>``): https, no control characters."""
    if not link or not link.startswith("https://") or len(link) > 500:
        return None
    if any(ch in link for ch in "<>| \n\t"):
        return None
    return link


def set_thread(decision: Decision, channel: str, thread_ts: str, link: str | None = None) -> bool:
    """Remember the thread a decision is discussed in (and its permalink, the decision's link
    when it was not logged from a message), unless it already has one."""
    if decision.thread_ts:
        return False
    decision.thread_channel, decision.thread_ts = channel, thread_ts
    if not decision.link:
        decision.link = safe_link(link)
    return True


def get_decision(session: Session, team_id: str, decision_id: int) -> Decision:
    return team_row(session, Decision, team_id, decision_id)


def get_assessment(session: Session, team_id: str, assessment_id: int) -> AssessmentRow:
    return team_row(session, AssessmentRow, team_id, assessment_id)


def recent_assessments(session: Session, team_id: str, limit: int = 25) -> list[tuple[int, str]]:
    """(id, title) of the team's latest assessments, for the modal's "linked assessment"."""
    rows = session.execute(
        select(AssessmentRow.id, AssessmentRow.title)
        .where(AssessmentRow.team_id == team_id)
        .order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc())
        .limit(limit)
    )
    return [(row.id, row.title) for row in rows]


def require_change_right(decision: Decision, user_id: str, is_admin: Callable[[], bool]) -> None:
    """Only the owner, the creator or an admin may change a decision (admin asked last: slow)."""
    if user_id in (decision.owner_id, decision.created_by) or is_admin():
        return
    raise NotAllowed("decisions.error.not_yours", owner=f"<@{decision.owner_id}>")


def changeable_decision(
    session: Session, team_id: str, user_id: str, requester: dict[str, Any], raw_id: object
) -> Decision:
    """The team's decision named by a payload, if this user may change it; else the error.

    ``requester`` is the user's ``users.info``, fetched by the caller before the transaction
    opens: a unit that writes must not wait on Slack while it holds the database.
    """
    decision = get_decision(session, team_id, parse_id(raw_id))
    require_change_right(decision, user_id, lambda: is_admin(session, team_id, user_id, requester))
    return decision


def _plain(value: Any) -> Any:
    """History values as JSON: dates in ISO 8601, tuples as lists."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def record(
    session: Session,
    decision: Decision,
    user_id: str,
    action: str,
    changes: dict[str, tuple[Any, Any]],
    now: datetime,
) -> DecisionEvent:
    """Keep one history entry: who, when, what (each field's before and after)."""
    event = DecisionEvent(
        team_id=decision.team_id,
        decision_id=decision.id,
        user_id=user_id,
        action=action,
        changes={k: {"before": _plain(b), "after": _plain(a)} for k, (b, a) in changes.items()},
        created_at=now,
    )
    session.add(event)
    return event


def _draft_values(draft: DecisionDraft) -> dict[str, Any]:
    return {
        "title": draft.title.strip(),
        "verdict": draft.verdict,
        "rationale": draft.rationale,
        "alternatives": draft.alternatives,
        "owner_id": draft.owner_id,
        "participants": list(draft.participants),
        "status": draft.status,
        "review_date": draft.review_date,
        "assessment_id": draft.assessment_id,
    }


def _check_assessment(session: Session, team_id: str, assessment_id: int | None) -> None:
    if assessment_id is not None:
        try:
            get_assessment(session, team_id, assessment_id)
        except NotFound as error:
            raise DraftRejected({"assessment": error.key}) from error


def create_decision(
    session: Session,
    team_id: str,
    user_id: str,
    draft: DecisionDraft,
    now: datetime,
    supersedes: Decision | None = None,
    source: Source | None = None,
) -> Decision:
    """A new decision with its "created" history entry; ``supersedes`` is retired by it.

    A superseding decision is told in its predecessor's thread unless it has one of its own.
    """
    _check_assessment(session, team_id, draft.assessment_id)
    values = _draft_values(draft)
    src = source or Source()
    channel, thread_ts = src.channel, src.thread_ts
    if not thread_ts and supersedes is not None:
        channel, thread_ts = supersedes.thread_channel, supersedes.thread_ts
    decision = Decision(
        team_id=team_id,
        created_by=user_id,
        created_at=now,
        updated_at=now,
        link=safe_link(src.link),
        thread_channel=channel if thread_ts else None,
        thread_ts=thread_ts or None,
        **values,
    )
    session.add(decision)
    session.flush()
    changes = {k: (None, v) for k, v in values.items() if v not in (None, "", [])}
    if supersedes is not None:
        changes["supersedes"] = (None, supersedes.id)
        retire = {
            "status": (supersedes.status, "superseded"),
            "superseded_by_id": (None, decision.id),
        }
        _retire(session, supersedes, decision.id, now)
        record(session, supersedes, user_id, "superseded", retire, now)
    record(session, decision, user_id, "created", changes, now)
    return decision


def _retire(session: Session, old: Decision, successor_id: int, now: datetime) -> None:
    """Mark ``old`` superseded by ``successor_id`` unless someone did first.

    One conditional UPDATE, not a read then a write: two people superseding the same decision
    at once on PostgreSQL both read "not superseded yet"; only one UPDATE matches its WHERE, the
    other (waiting on the row lock, then re-checking it) changes nothing and is told.
    """
    retired = session.execute(
        update(Decision)
        .where(Decision.id == old.id, Decision.superseded_by_id.is_(None))
        .values(status="superseded", superseded_by_id=successor_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(retired) != 1:
        raise UserError("decisions.error.already_superseded")
    for name, value in (("status", "superseded"), ("superseded_by_id", successor_id)):
        set_committed_value(old, name, value)
    set_committed_value(old, "updated_at", now)


def edit_decision(
    session: Session, decision: Decision, user_id: str, draft: DecisionDraft, now: datetime
) -> dict[str, tuple[Any, Any]]:
    """Apply the modal's values; only what changed is written and kept in the history."""
    if draft.assessment_id != decision.assessment_id:
        _check_assessment(session, decision.team_id, draft.assessment_id)
    values = _draft_values(draft)
    changes = {
        k: (getattr(decision, k), values[k]) for k in EDITABLE if getattr(decision, k) != values[k]
    }
    for name, (_before, after) in changes.items():
        setattr(decision, name, after)
    if changes:
        decision.updated_at = now
        record(session, decision, user_id, "edited", changes, now)
    return changes


def change(
    session: Session, decision: Decision, user_id: str, action: str, now: datetime, **values: Any
) -> dict[str, tuple[Any, Any]]:
    """Set a few fields (status, review date) under a named action; no-ops leave no trace."""
    changes = {k: (getattr(decision, k), v) for k, v in values.items() if getattr(decision, k) != v}
    for name, (_before, after) in changes.items():
        setattr(decision, name, after)
    if changes:
        decision.updated_at = now
        record(session, decision, user_id, action, changes, now)
    return changes


def history(session: Session, team_id: str, decision_id: int) -> list[DecisionEvent]:
    return list(
        session.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.team_id == team_id, DecisionEvent.decision_id == decision_id)
            .order_by(DecisionEvent.created_at, DecisionEvent.id)
        )
    )
