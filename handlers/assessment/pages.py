"""Paging through the modal: Next (a view submission) and Back (a button in the modal).

Slack allows only two ``views.push``, so every page replaces the last (``response_action:
update``); Back updates the view by id and hash. Both keep every answer given so far.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError

from bot.views.assessment import (
    ModalState,
    answers_on_page,
    assessment_modal,
    missing_errors,
    title_from_values,
)
from handlers.assessment.result import finish
from handlers.assessment.team import answered
from handlers.context import Caller

log = logging.getLogger(__name__)


def _state_with_page_answers(view: dict[str, Any]) -> tuple[ModalState, dict[str, str]]:
    state = ModalState.load(view.get("private_metadata"))
    values = (view.get("state") or {}).get("values") or {}
    picked = answers_on_page(values, state.page)
    state = state.with_answers(picked)
    if state.page == 0 and not state.round_id:  # the title field lives on the first page
        state = replace(state, title=title_from_values(values))
    return state, picked


def submit_page(ack: Ack, view: dict[str, Any], caller: Caller) -> None:
    """Next page, or the errors beside unanswered questions, or (last page) the result."""
    state, picked = _state_with_page_answers(view)
    errors = missing_errors(state.page, picked, caller.lang)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    if not state.last_page:
        ack(response_action="update", view=assessment_modal(state.at(state.page + 1), caller.lang))
        return
    if state.round_id:
        answered(ack, caller, state)
        return
    finish(ack, caller, state)


def go_back(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    """The previous page, with what was picked on this one kept for when the user returns."""
    ack()
    view = body["view"]
    state, _ = _state_with_page_answers(view)
    try:
        caller.client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=assessment_modal(state.at(state.page - 1), caller.lang),
        )
    except SlackApiError as error:
        if error.response.get("error") != "hash_conflict":
            raise
        # A second click, or Next, changed the view first: the newer view stands.
        log.info("back: view %s changed meanwhile; left as it is", view["id"])
