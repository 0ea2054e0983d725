"""Helpers shared by the decision-log tests (no tests here): data, payloads, a settable clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.decisions.rules import DecisionDraft
from bot.decisions.store import create_decision
from bot.models import AssessmentRow, Decision, DecisionEvent
from tests.conftest import TEAM, USER

# A fixed "now" for every test: a Tuesday, so dates below are easy to check by hand.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def make_decision(
    session: Session,
    *,
    team_id: str = TEAM,
    user_id: str = USER,
    title: str = "Wrap a hosted model for support triage",
    verdict: str = "wrap",
    rationale: str = "",
    owner_id: str | None = None,
    status: str = "decided",
    review_date: date | None = None,
    assessment_id: int | None = None,
    when: datetime = NOW,
) -> Decision:
    draft = DecisionDraft(
        title=title,
        verdict=verdict,
        owner_id=owner_id or user_id,
        rationale=rationale,
        status=status,
        review_date=review_date,
        assessment_id=assessment_id,
    )
    decision = create_decision(session, team_id, user_id, draft, when)
    session.commit()
    return decision


def make_assessment(
    session: Session,
    *,
    team_id: str = TEAM,
    title: str = "Support bot",
    verdict: str = "wrap",
    answers: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
) -> AssessmentRow:
    assessment = AssessmentRow(
        team_id=team_id,
        user_id=USER,
        title=title,
        verdict=verdict,
        engine_version="1",
        answers=answers if answers is not None else {"motivation": "economics", "talent": "none"},
        result=result
        if result is not None
        else {
            "verdict": verdict,
            "reasons": [
                {"principle": "plug_into_the_grid", "text": "Plug into the grid."},
                {"principle": "product_not_model", "text": "Ship a product, not a model."},
            ],
        },
    )
    session.add(assessment)
    session.commit()
    return assessment


def events_of(session: Session, decision_id: int) -> list[DecisionEvent]:
    session.expire_all()
    return list(
        session.scalars(
            select(DecisionEvent)
            .where(DecisionEvent.decision_id == decision_id)
            .order_by(DecisionEvent.id)
        )
    )


def count_decisions(session: Session, team_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Decision).where(Decision.team_id == team_id)
        )
        or 0
    )


def _select(value: str | None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
    return {"type": "static_select", "selected_option": option}


def decide_state(
    *,
    title: str = "Buy a transcription API",
    verdict: str | None = "buy",
    owner: str | None = USER,
    review: str | None = "2027-03-01",
    status: str | None = "decided",
    rationale: str = "Cheaper than a team.",
    alternatives: str = "",
    participants: tuple[str, ...] = (),
    assessment: str | None = None,
) -> dict[str, Any]:
    """``view.state.values`` as Slack sends them for the decide modal."""
    values: dict[str, Any] = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "verdict": {"value": _select(verdict)},
        "rationale": {"value": {"type": "plain_text_input", "value": rationale}},
        "alternatives": {"value": {"type": "plain_text_input", "value": alternatives}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "participants": {
            "value": {"type": "multi_users_select", "selected_users": list(participants)}
        },
        "status": {"value": _select(status)},
        "review_date": {"value": {"type": "datepicker", "selected_date": review}},
    }
    if assessment is not None:
        values["assessment"] = {"value": _select(assessment)}
    return values


def metadata(channel: str = "", edit: int | None = None, supersedes: int | None = None) -> str:
    return json.dumps({"c": channel, "e": edit, "s": supersedes})


def overflow(value: str, *, block_id: str = "decision-1") -> dict[str, Any]:
    """A chosen overflow-menu option as it appears in ``actions``."""
    return {
        "type": "overflow",
        "action_id": "decisions.entry",
        "block_id": block_id,
        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
        "action_ts": f"{time.time():.6f}",
    }


def posted_texts(slack_api, method: str = "response_url") -> list[str]:
    """Every text (and block text) the app sent with ``method``, for loose matching."""
    out = []
    for call in slack_api.calls_to(method):
        out.append(str(call.params.get("text", "")) + json.dumps(call.params.get("blocks", [])))
    return out
