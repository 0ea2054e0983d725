"""Stored assessments, read and written strictly within one team.

The stored ``result`` is the contract's JSON (texts in the language the user saw, so "Save as
decision" and "Share" show exactly what was shown) plus the ids needed to re-explain it: which
verdicts a gate ruled out, which build bars were missed, and the id-only engine record.
Every lookup takes the team id from the request: an id forged from another workspace is simply
not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.assessment.advice import headline, score_lines, to_json
from bot.assessment.engine import Assessment
from bot.assessment.questions import QUESTION_IDS
from bot.db import team_row
from bot.models import AssessmentRow

TITLE_MAX = 150  # what the decide modal accepts, so "Save as decision" keeps the whole title
NARRATIVE_OFFLINE, NARRATIVE_LLM = "offline", "llm"


@dataclass(frozen=True)
class StoredAssessment:
    """One saved assessment, detached from the session (listeners keep it past the commit)."""

    id: int
    team_id: str
    channel_id: str | None
    user_id: str
    title: str
    answers: dict[str, str]
    result: dict[str, Any]
    verdict: str
    engine_version: str
    created_at: datetime | None

    @classmethod
    def of(cls, row: AssessmentRow) -> StoredAssessment:
        return cls(
            row.id,
            row.team_id,
            row.channel_id,
            row.user_id,
            row.title,
            dict(row.answers or {}),
            dict(row.result or {}),
            row.verdict,
            row.engine_version,
            row.created_at,
        )

    @property
    def narrative_by(self) -> str:
        return str(self.result.get("narrative") or NARRATIVE_OFFLINE)


def result_payload(
    assessment: Assessment, lang: str, advice: str | None = None, narrative: str = NARRATIVE_OFFLINE
) -> dict[str, Any]:
    """What is stored as ``result``: the contract JSON and the ids that explain it."""
    return {
        **to_json(assessment, lang, advice=advice),
        "lang": lang,
        "narrative": narrative,
        "engine_version": assessment.engine_version,
        "excluded": dict(assessment.excluded),
        # Why each score at 0.00 is 0, worded at save time (the engine's view of the answers).
        "score_notes": score_lines(assessment, lang, only_zero=True),
        # The headline the narrative opens with (it follows the team's answers).
        "headline": headline(assessment, lang),
        "bars_missed": list(assessment.bars_missed),
        "answered": len(assessment.answers),
        "questions": len(QUESTION_IDS),
        "record": assessment.to_record(),
    }


def save_assessment(
    session: Session,
    *,
    team_id: str,
    channel_id: str | None,
    user_id: str,
    title: str,
    assessment: Assessment,
    lang: str,
) -> StoredAssessment:
    """Store a scored assessment with the offline narrative (the LLM's may replace it later)."""
    row = AssessmentRow(
        team_id=team_id,
        channel_id=channel_id or None,
        user_id=user_id,
        title=title[:TITLE_MAX],
        answers=dict(assessment.answers),
        result=result_payload(assessment, lang),
        verdict=assessment.verdict,
        engine_version=assessment.engine_version,
    )
    session.add(row)
    session.flush()
    return StoredAssessment.of(row)


def load_assessment(session: Session, team_id: str, assessment_id: int) -> StoredAssessment:
    return StoredAssessment.of(team_row(session, AssessmentRow, team_id, assessment_id))


def set_narrative(
    session: Session, team_id: str, assessment_id: int, text: str
) -> StoredAssessment:
    """Keep the LLM's narrative with the result, so a later Share shows what the user saw."""
    row = team_row(session, AssessmentRow, team_id, assessment_id)
    row.result = {**(row.result or {}), "advice": text, "narrative": NARRATIVE_LLM}
    session.flush()
    return StoredAssessment.of(row)
