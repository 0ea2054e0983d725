"""The team's decisions as CSV: UTF-8, RFC 4180 quoting (CRLF, doubled quotes), ISO 8601 dates.

One row per decision, its history summarised in one cell, so the file opens in any
spreadsheet and parses back with any CSV reader.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.assessment.rounds import round_marks
from bot.models import Decision, DecisionEvent

COLUMNS = (
    "id",
    "title",
    "verdict",
    "status",
    "rationale",
    "alternatives",
    "owner",
    "participants",
    "review_date",
    "assessment_id",
    "superseded_by",
    "created_by",
    "created_at",
    "updated_at",
    "history",
    "team_round",  # the team assessment the decision was saved from (its id; never answers)
    "link",  # the Slack message it was logged from (its permalink)
    # Saved from a team round's result: how many of those invited answered (never who said
    # what), and the permalink of the result in Slack.
    "team_round_answered",
    "team_round_invited",
    "team_round_result",
)
# A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CsvExport:
    content: bytes
    rows: int  # decisions, not counting the header


def iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds").replace("+00:00", "Z")
    return value.isoformat()


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _change_text(name: str, change: Any) -> str:
    if isinstance(change, dict) and "before" in change:
        before, after = change.get("before"), change.get("after")
        return f"{name}: {'' if before is None else before} -> {'' if after is None else after}"
    return f"{name}: {change}"


def summarise_event(event: DecisionEvent) -> str:
    """``2026-05-01T09:00:00Z U123 edited (status: decided -> revisiting)``."""
    head = f"{iso(event.created_at)} {event.user_id} {event.action}"
    if event.action == "created":
        return head
    details = "; ".join(_change_text(k, v) for k, v in (event.changes or {}).items())
    return f"{head} ({details})" if details else head


def _histories(session: Session, team_id: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    events = session.scalars(
        select(DecisionEvent)
        .where(DecisionEvent.team_id == team_id)
        .order_by(DecisionEvent.decision_id, DecisionEvent.created_at, DecisionEvent.id)
    )
    for event in events:
        out[event.decision_id].append(summarise_event(event))
    return out


def export_csv(session: Session, team_id: str) -> CsvExport:
    """Every decision of ``team_id`` (and no other team's), oldest first, as CSV bytes."""
    histories = _histories(session, team_id)
    linked = session.scalars(
        select(Decision.assessment_id).where(
            Decision.team_id == team_id, Decision.assessment_id.is_not(None)
        )
    )
    rounds = round_marks(session, team_id, linked)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    decisions = session.scalars(
        select(Decision)
        .where(Decision.team_id == team_id)
        .order_by(Decision.created_at, Decision.id)
        .execution_options(yield_per=500)
    )
    rows = 0
    for d in decisions:
        rows += 1
        mark = rounds.get(d.assessment_id) if d.assessment_id else None
        writer.writerow(
            [
                d.id,
                _text(d.title),
                d.verdict,
                d.status,
                _text(d.rationale or ""),
                _text(d.alternatives or ""),
                d.owner_id,
                " ".join(d.participants or []),
                iso(d.review_date),
                d.assessment_id or "",
                d.superseded_by_id or "",
                d.created_by,
                iso(d.created_at),
                iso(d.updated_at),
                _text(" | ".join(histories.get(d.id, []))),
                mark.round_id if mark else "",
                _text(d.link or ""),
                mark.answered if mark else "",
                mark.invited if mark else "",
                _text(mark.link or "") if mark else "",
            ]
        )
    return CsvExport(buffer.getvalue().encode("utf-8"), rows)
