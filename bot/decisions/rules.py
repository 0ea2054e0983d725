"""What a decision may hold, and the field-level checks the decide modal reports.

Checks return catalog keys per field rather than raising, so a modal can show every problem
at once (``response_action: errors``) and nothing is saved while any remains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput
from bot.vocabulary import VERDICTS

STATUSES: tuple[str, ...] = ("proposed", "decided", "revisiting", "superseded", "reversed")
# Decisions still in force get review reminders; superseded and reversed ones are history.
ACTIVE_STATUSES: tuple[str, ...] = ("proposed", "decided", "revisiting")
TITLE_MAX = 150
TEXT_MAX = 3000
SNOOZE_DAYS = 30
PAGE_SIZE = 10


@dataclass(frozen=True)
class DecisionDraft:
    """What the decide modal submitted, before it is checked and saved."""

    title: str
    verdict: str
    owner_id: str
    rationale: str = ""
    alternatives: str = ""
    participants: tuple[str, ...] = ()
    status: str = "decided"
    review_date: date | None = None
    assessment_id: int | None = None
    # Fields the form could not even parse (a malformed date): field -> catalog key.
    parse_errors: dict[str, str] = field(default_factory=dict)


class DraftRejected(InvalidInput):
    """The modal's values cannot be saved: field -> catalog key, shown beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(detail=", ".join(sorted(errors)))
        self.errors = errors


def team_today(now: datetime, timezone: str | None) -> date:
    """Today's date where the team is (its settings' time zone), UTC when unset or unknown."""
    zone: Any = UTC
    if timezone:
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
    return now.astimezone(zone).date()


def draft_errors(draft: DecisionDraft, today: date, owner: dict[str, Any] | None) -> dict[str, str]:
    """Field -> catalog key of what is wrong; empty when the draft can be saved.

    ``owner`` is Slack's ``users.info`` user object for ``draft.owner_id`` (None: not found).
    """
    errors = dict(draft.parse_errors)
    title = draft.title.strip()
    if not title:
        errors["title"] = "decisions.error.title_empty"
    elif len(title) > TITLE_MAX:
        errors["title"] = "decisions.error.title_too_long"
    if draft.verdict not in VERDICTS:
        errors["verdict"] = "decisions.error.verdict_unknown"
    if draft.status not in STATUSES:
        errors["status"] = "decisions.error.status_unknown"
    if len(draft.rationale) > TEXT_MAX:
        errors["rationale"] = "decisions.error.text_too_long"
    if len(draft.alternatives) > TEXT_MAX:
        errors["alternatives"] = "decisions.error.text_too_long"
    if draft.review_date is not None and draft.review_date < today:
        errors.setdefault("review_date", "decisions.error.review_in_past")
    owner_error = _owner_error(owner)
    if owner_error:
        errors["owner"] = owner_error
    return errors


def _owner_error(owner: dict[str, Any] | None) -> str | None:
    if owner is None:
        return "decisions.error.owner_unknown"
    if owner.get("is_bot") or owner.get("id") == "USLACKBOT":
        return "decisions.error.owner_bot"
    if owner.get("deleted"):
        return "decisions.error.owner_deactivated"
    return None


def next_review(today: date, days: int) -> date:
    """The review date that "still right" or a snooze sets: ``days`` from the team's today."""
    return today + timedelta(days=max(1, days))
