"""What "Revisit" opens: the assessment itself, pre-filled with the original answers, so the
team sees what changed since they decided."""

from __future__ import annotations

from typing import Any

from bot.assessment.engine import AnswerError, validate_answers
from bot.views.assessment import ModalState, assessment_modal
from handlers.context import Caller


def open_revisit(caller: Caller, trigger_id: str, title: str, answers: dict[str, Any]) -> None:
    try:
        known = validate_answers(answers)
    except AnswerError:  # answers stored by an older engine: start from a blank modal
        known = {}
    state = ModalState(title=title, answers=known)
    caller.client.views_open(trigger_id=trigger_id, view=assessment_modal(state, caller.lang))
