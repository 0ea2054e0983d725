"""Decide-modal values taken from a stored assessment ("Save as decision", supersede).

The assessment's stored result may carry the reasons as text (the JSON contract) or as
catalog keys (the id-only record); both become the rationale in the team's language.
"""

from __future__ import annotations

from string import Formatter
from typing import Any

from bot.decisions.rules import TEXT_MAX, TITLE_MAX, VERDICTS, DecisionDraft
from bot.i18n import catalog, has
from bot.models import AssessmentRow, Decision


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _reason_text(reason: Any, lang: str) -> str:
    if not isinstance(reason, dict):
        return str(reason)
    if reason.get("text"):
        return str(reason["text"])
    key = str(reason.get("key") or "")
    if key and has(key, lang):
        # Placeholders the record does not carry (the bars missed) read as blanks.
        return Formatter().vformat(catalog(lang)[key], (), _Blank())
    return ""


def rationale_of(result: dict[str, Any], lang: str) -> str:
    reasons = result.get("reasons") if isinstance(result, dict) else None
    lines = [f"• {text}" for text in (_reason_text(r, lang) for r in reasons or []) if text]
    return "\n".join(lines)[:TEXT_MAX]


def draft_from_assessment(assessment: AssessmentRow, owner_id: str, lang: str) -> DecisionDraft:
    verdict = assessment.verdict if assessment.verdict in VERDICTS else "buy"
    return DecisionDraft(
        title=assessment.title[:TITLE_MAX],
        verdict=verdict,
        owner_id=owner_id,
        rationale=rationale_of(assessment.result, lang),
        participants=_participants(assessment.result),
        assessment_id=assessment.id,
    )


def _participants(result: Any) -> tuple[str, ...]:
    """A team round's result: the people who answered (who, never what)."""
    round_ = result.get("round") if isinstance(result, dict) else None
    people = round_.get("participants") if isinstance(round_, dict) else None
    return tuple(str(u) for u in people) if isinstance(people, list) else ()


def draft_from_decision(decision: Decision) -> DecisionDraft:
    """The decision's current values, for editing it or superseding it."""
    return DecisionDraft(
        title=decision.title,
        verdict=decision.verdict,
        owner_id=decision.owner_id,
        rationale=decision.rationale or "",
        alternatives=decision.alternatives or "",
        participants=tuple(decision.participants or ()),
        status=decision.status,
        review_date=decision.review_date,
        assessment_id=decision.assessment_id,
    )
