"""Team rounds in the database: invitations, private answers, the claims, and the pooled result.

Every lookup takes the team id from the request, as for every other record: a round id forged
from another workspace is not found, and a person not invited cannot answer. Answers are only
ever read back for their own author (to pre-fill the modal) and, pooled, at the close.
The two things done once per round (the halfway reminder, the close) are claimed with a
conditional UPDATE committed before any message goes out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.assessment.engine import validate_answers
from bot.assessment.store import TITLE_MAX, StoredAssessment, result_payload
from bot.assessment.team import TeamAssessment, pool, summary_lines
from bot.db import team_row
from bot.errors import NotFound, UserError
from bot.models import AssessmentRow, TeamRound, TeamRoundMember

OPEN, CLOSED = "open", "closed"
# Posting a closed round's result (``TeamRound.result_state``).
POSTING, RETRY, VERIFY, POSTED = "posting", "retry", "verify", "posted"
MAYBE_POSTED, FAILED = "maybe_sent", "failed"
# A post not settled within LEASE (the worker died mid-post) is looked for before another try.
LEASE = timedelta(minutes=10)
MAX_POST_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=5)  # then doubled each time, at most MAX_RETRY_WAIT
MAX_RETRY_WAIT = timedelta(hours=6)
MAX_PEOPLE = 200
DEFAULT_DAYS = 3
DEADLINE_DAYS: tuple[int, ...] = (1, 2, 3, 5, 7, 14)


@dataclass(frozen=True)
class RoundInfo:
    """A round as listeners and jobs see it: who answered, never what."""

    id: int
    team_id: str
    channel_id: str
    starter_id: str
    title: str
    anonymous: bool
    lang: str
    status: str
    deadline_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    status_channel: str | None
    status_ts: str | None
    assessment_id: int | None
    members: tuple[str, ...]
    answered: tuple[str, ...]

    @property
    def pending(self) -> tuple[str, ...]:
        done = set(self.answered)
        return tuple(u for u in self.members if u not in done)

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @classmethod
    def of(cls, row: TeamRound) -> RoundInfo:
        return cls(
            row.id,
            row.team_id,
            row.channel_id,
            row.starter_id,
            row.title,
            row.anonymous,
            row.lang,
            row.status,
            row.deadline_at,
            row.closed_by,
            row.closed_at,
            row.status_channel,
            row.status_ts,
            row.assessment_id,
            tuple(m.user_id for m in row.members),
            tuple(m.user_id for m in row.members if m.answers is not None),
        )


def parse_round_id(raw: object) -> int:
    """An id from a button value or modal metadata; garbage reads as "not found"."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit() or len(text) > 18:
        raise NotFound()
    return int(text)


def create_round(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    starter_id: str,
    title: str,
    people: Sequence[str],
    anonymous: bool,
    lang: str,
    now: datetime,
    days: int = DEFAULT_DAYS,
) -> RoundInfo:
    """A new open round; the halfway reminder is due at the middle of the window."""
    invited = list(dict.fromkeys(people))[:MAX_PEOPLE]
    if not invited:
        raise UserError("team.error.nobody")
    deadline = now + timedelta(days=days)
    row = TeamRound(
        team_id=team_id,
        channel_id=channel_id,
        starter_id=starter_id,
        title=title[:TITLE_MAX],
        anonymous=anonymous,
        lang=lang,
        status=OPEN,
        deadline_at=deadline,
        remind_at=now + (deadline - now) / 2,
        members=[
            TeamRoundMember(team_id=team_id, user_id=u, position=i, invited_at=now)
            for i, u in enumerate(invited)
        ],
    )
    session.add(row)
    session.flush()
    return RoundInfo.of(row)


def load_round(session: Session, team_id: str, round_id: int) -> RoundInfo:
    return RoundInfo.of(team_row(session, TeamRound, team_id, round_id))


def _member(session: Session, team_id: str, round_id: int, user_id: str) -> TeamRoundMember:
    member = session.get(TeamRoundMember, (round_id, user_id))
    if member is None or member.team_id != team_id:
        raise UserError("team.error.not_invited")
    return member


def own_answers(session: Session, team_id: str, round_id: int, user_id: str) -> dict[str, str]:
    """What ``user_id`` answered so far (to pre-fill their modal); only invitees may ask."""
    if not load_round(session, team_id, round_id).is_open:
        raise UserError("team.error.closed")
    return dict(_member(session, team_id, round_id, user_id).answers or {})


def record_answers(
    session: Session,
    team_id: str,
    round_id: int,
    user_id: str,
    answers: dict[str, Any],
    now: datetime,
) -> RoundInfo:
    """Keep (or replace) one invitee's answers while the round is open."""
    row = team_row(session, TeamRound, team_id, round_id)
    member = _member(session, team_id, round_id, user_id)
    if row.status != OPEN:
        raise UserError("team.error.closed")
    member.answers = validate_answers(answers)
    member.answered_at = now
    session.flush()
    return RoundInfo.of(row)


def set_status_message(
    session: Session, team_id: str, round_id: int, channel: str, ts: str
) -> None:
    row = team_row(session, TeamRound, team_id, round_id)
    row.status_channel, row.status_ts = channel, ts


def set_result(
    session: Session,
    team_id: str,
    round_id: int,
    now: datetime,
    *,
    ts: str | None = None,
    link: str | None = None,
    error: str | None = None,
    maybe_done: bool = False,
) -> str:
    """Record how posting the result went; returns the new ``result_state``.

    Posted (``ts``, found or sent); refused (``error``: ``retry`` it later); or Slack's answer
    lost (``maybe_done``: it may be in the channel, so the next try reads the channel first,
    ``verify``). The wait doubles each time; after :data:`MAX_POST_ATTEMPTS` it stops.
    """
    row = team_row(session, TeamRound, team_id, round_id)
    row.result_error = error
    row.result_retry_at = None
    if ts is not None:
        row.result_ts, row.result_link, row.result_state = ts, link, POSTED
    elif row.result_attempts >= MAX_POST_ATTEMPTS:
        row.result_state = MAYBE_POSTED if maybe_done else FAILED
    else:
        wait = min(FIRST_RETRY * 2 ** max(0, row.result_attempts - 1), MAX_RETRY_WAIT)
        row.result_state = VERIFY if maybe_done else RETRY
        row.result_retry_at = now + wait
    return row.result_state


def due_posts(session: Session, now: datetime) -> list[tuple[str, int]]:
    """Closed rounds whose result is due for another try: refused, answer lost, or a post
    whose worker never came back (its lease is over)."""
    rows = session.execute(
        select(TeamRound.team_id, TeamRound.id)
        .where(
            TeamRound.result_state.in_((RETRY, VERIFY, POSTING)),
            TeamRound.result_retry_at <= now,
        )
        .order_by(TeamRound.result_retry_at, TeamRound.id)
    )
    return [(r.team_id, r.id) for r in rows]


def claim_post(session: Session, team_id: str, round_id: int, now: datetime) -> str | None:
    """Take a due try (two workers never both do it); the state it was in (``retry``: post;
    ``verify`` or ``posting``: it may be in Slack, read first), or None when not this call's."""
    row = session.execute(
        select(TeamRound.result_state, TeamRound.result_attempts, TeamRound.result_retry_at).where(
            TeamRound.team_id == team_id, TeamRound.id == round_id
        )
    ).one_or_none()
    if row is None or row.result_state not in (RETRY, VERIFY, POSTING):
        return None
    if row.result_retry_at is None or row.result_retry_at > now:
        return None
    result = session.execute(
        update(TeamRound)
        .where(
            TeamRound.team_id == team_id,
            TeamRound.id == round_id,
            TeamRound.result_state == row.result_state,
            TeamRound.result_attempts == row.result_attempts,
        )
        .values(
            result_state=POSTING,
            result_attempts=row.result_attempts + 1,
            result_retry_at=now + LEASE,
        )
    )
    return str(row.result_state) if result.rowcount == 1 else None  # type: ignore[attr-defined]


def claim_close(
    session: Session, team_id: str, round_id: int, now: datetime, by: str | None
) -> bool:
    """True when this call closed the round (the caller commits, then posts the result)."""
    result = session.execute(
        update(TeamRound)
        .where(TeamRound.team_id == team_id, TeamRound.id == round_id, TeamRound.status == OPEN)
        .values(
            status=CLOSED,
            closed_at=now,
            closed_by=by,
            result_state=POSTING,
            result_attempts=1,
            result_retry_at=now + LEASE,
        )
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def claim_reminder(session: Session, team_id: str, round_id: int, now: datetime) -> bool:
    result = session.execute(
        update(TeamRound)
        .where(
            TeamRound.team_id == team_id,
            TeamRound.id == round_id,
            TeamRound.status == OPEN,
            TeamRound.reminded_at.is_(None),
        )
        .values(reminded_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def due_closes(session: Session, now: datetime) -> list[tuple[str, int]]:
    """Open rounds past their deadline, however long ago (a worker back from downtime)."""
    rows = session.execute(
        select(TeamRound.team_id, TeamRound.id)
        .where(TeamRound.status == OPEN, TeamRound.deadline_at <= now)
        .order_by(TeamRound.deadline_at, TeamRound.id)
    )
    return [(r.team_id, r.id) for r in rows]


def due_reminders(session: Session, now: datetime) -> list[tuple[str, int]]:
    """Open rounds past halfway, not reminded yet, and not yet due to close."""
    rows = session.execute(
        select(TeamRound.team_id, TeamRound.id)
        .where(
            TeamRound.status == OPEN,
            TeamRound.reminded_at.is_(None),
            TeamRound.remind_at <= now,
            TeamRound.deadline_at > now,
        )
        .order_by(TeamRound.remind_at, TeamRound.id)
    )
    return [(r.team_id, r.id) for r in rows]


@dataclass(frozen=True)
class OpenRound:
    """One line of the Home tab: a team round still open, and whether it awaits the viewer."""

    id: int
    title: str
    deadline_at: datetime
    answered: int
    invited: int
    awaits_you: bool


def open_rounds(session: Session, team_id: str, user_id: str, limit: int = 5) -> list[OpenRound]:
    """The team's open rounds the viewer started or was invited to, closest deadline first."""
    mine = select(TeamRoundMember.round_id).where(
        TeamRoundMember.team_id == team_id, TeamRoundMember.user_id == user_id
    )
    rows = session.scalars(
        select(TeamRound)
        .where(
            TeamRound.team_id == team_id,
            TeamRound.status == OPEN,
            (TeamRound.starter_id == user_id) | TeamRound.id.in_(mine),
        )
        .order_by(TeamRound.deadline_at, TeamRound.id)
        .limit(limit)
    )
    out = []
    for row in rows:
        info = RoundInfo.of(row)
        out.append(
            OpenRound(
                info.id,
                info.title,
                info.deadline_at,
                len(info.answered),
                len(info.members),
                user_id in info.pending,
            )
        )
    return out


@dataclass(frozen=True)
class RoundResult:
    """A closed round's pooled result, stored as an assessment (None: nobody answered)."""

    info: RoundInfo
    team: TeamAssessment | None
    stored: StoredAssessment | None


def stored_result(session: Session, team_id: str, round_id: int) -> RoundResult:
    """A closed round's result as stored at the close (to post it again after a refusal)."""
    row = team_row(session, TeamRound, team_id, round_id)
    stored = None
    if row.assessment_id is not None:
        assessment = session.get(AssessmentRow, row.assessment_id)
        stored = StoredAssessment.of(assessment) if assessment is not None else None
    return RoundResult(RoundInfo.of(row), None, stored)


def store_result(session: Session, team_id: str, round_id: int) -> RoundResult:
    """Pool the answers of a closed round and store the result as the round's assessment.

    Named rounds keep who got which verdict (``by_verdict``); anonymous rounds keep counts only:
    their members' own verdicts are stored sorted (not in the order of ``participants``) and
    each member's answers are dropped, so no stored row ties a person to what they answered.
    ``participants`` (who answered, not what) fills in a decision saved from the result.
    """
    row = team_row(session, TeamRound, team_id, round_id)
    answered = [m for m in row.members if m.answers is not None]
    if not answered:
        return RoundResult(RoundInfo.of(row), None, None)
    team = pool([validate_answers(m.answers) for m in answered])
    payload = {**result_payload(team.pooled, row.lang), **team.to_json(row.lang)}
    by_verdict: dict[str, list[str]] = {}
    if not row.anonymous:
        for member, own in zip(answered, team.individual, strict=True):
            by_verdict.setdefault(own.verdict, []).append(member.user_id)
    else:
        individual = payload["team"]["individual"]
        individual.sort(key=lambda own: (own["verdict"], own["confidence"]))
        for member in answered:
            member.answers = {}  # still counts as answered; what they said is gone
    payload["team_lines"] = summary_lines(team, row.lang)[1:]  # the splits and their stakes
    payload["round"] = {
        "id": row.id,
        "anonymous": row.anonymous,
        "invited": len(row.members),
        "participants": sorted(m.user_id for m in answered)
        if row.anonymous
        else [m.user_id for m in answered],
        "by_verdict": by_verdict,
    }
    assessment = AssessmentRow(
        team_id=team_id,
        channel_id=row.channel_id,
        user_id=row.starter_id,
        title=row.title,
        answers=dict(team.pooled.answers),
        result=payload,
        verdict=team.pooled.verdict,
        engine_version=team.pooled.engine_version,
    )
    session.add(assessment)
    session.flush()
    row.assessment_id = assessment.id
    return RoundResult(RoundInfo.of(row), team, StoredAssessment.of(assessment))


@dataclass(frozen=True)
class RoundMark:
    """What the decision log says of a decision saved from a team round's result."""

    round_id: int
    answered: int
    invited: int
    link: str | None  # the result's permalink in Slack


def round_marks(
    session: Session, team_id: str, assessment_ids: Iterable[int | None]
) -> dict[int, RoundMark]:
    """The team rounds behind these assessments (a round's result is stored as one), by
    assessment id, in one query; an assessment no round produced has no entry."""
    wanted = {i for i in assessment_ids if i}
    if not wanted:
        return {}
    rows = session.execute(
        select(
            TeamRound.assessment_id,
            TeamRound.id,
            TeamRound.result_link,
            func.count(TeamRoundMember.user_id),
            func.count(TeamRoundMember.answered_at),
        )
        .join(TeamRoundMember, TeamRoundMember.round_id == TeamRound.id)
        .where(TeamRound.team_id == team_id, TeamRound.assessment_id.in_(wanted))
        .group_by(TeamRound.assessment_id, TeamRound.id, TeamRound.result_link)
    )
    return {
        int(assessment_id): RoundMark(int(round_id), int(answered), int(invited), link)
        for assessment_id, round_id, link, invited, answered in rows
        if assessment_id is not None
    }
