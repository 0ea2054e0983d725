"""The review reminder's buttons: Still right, Revisit, Snooze 30 days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from slack_bolt import Ack, Respond
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.decisions import reminders
from bot.decisions.store import changeable_decision, get_assessment
from bot.i18n import t
from bot.models import Decision
from bot.text import escape
from bot.views.decisions import confirmation_text_blocks
from bot.views.ids import DIGEST_BLOCK_PREFIX
from handlers.context import Caller
from handlers.decisions.access import refresh_homes, requester_info
from handlers.decisions.modal import Thread, tell_thread
from handlers.decisions.revisit import open_revisit

_T = TypeVar("_T")
Apply = Callable[[Session, Decision, str, datetime], date | None]


def _review(
    caller: Caller, action: dict[str, Any], apply: Callable[[Session, Decision], _T]
) -> tuple[_T, str, str, Thread | None]:
    """Apply a review to the clicked decision (if this person may): what ``apply`` returns,
    the decision's title and owner, and its thread to tell."""
    requester = requester_info(caller)
    with session_scope(caller.services.sessions, write=True) as session:
        decision = changeable_decision(
            session, caller.team_id, caller.user_id, requester, action.get("value")
        )
        status = decision.status
        result = apply(session, decision)
        thread = Thread.of(decision, status_changed=decision.status != status)
        return result, decision.title, decision.owner_id, thread


def _answer(
    ack: Ack, action: dict[str, Any], respond: Respond, caller: Caller, apply: Apply, key: str
) -> None:
    ack()
    new_date, title, owner, thread = _review(
        caller,
        action,
        lambda session, d: apply(session, d, caller.user_id, caller.services.clock()),
    )
    title = escape(title)
    when = new_date.isoformat() if new_date else ""
    respond(replace_original=True, text=t(key, caller.lang, title=title, date=when))
    tell_review(caller, thread, t(key, caller.team_lang, title=title, date=when))
    refresh_homes(caller, caller.user_id, owner)


def tell_review(caller: Caller, thread: Thread | None, text: str) -> None:
    """A review's outcome in the decision's thread (to the channel too if its status moved), in
    the team's language (``text`` is in it too): the channel reads it."""
    if thread is None:
        return
    said = t("decisions.thread.by", caller.team_lang, user=f"<@{caller.user_id}>", text=text)
    tell_thread(caller, thread, confirmation_text_blocks(said), said)


def still_right(ack: Ack, action: dict[str, Any], respond: Respond, caller: Caller) -> None:
    _answer(
        ack, action, respond, caller, reminders.still_right, "decisions.reminder.done_still_right"
    )


def snooze(ack: Ack, action: dict[str, Any], respond: Respond, caller: Caller) -> None:
    _answer(ack, action, respond, caller, reminders.snooze, "decisions.reminder.done_snoozed")


def revisit(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, caller: Caller
) -> None:
    """Mark it revisiting (kept in the history), then show the answers it was decided on.

    A reminder (the owner's DM) is replaced by the note; a digest, shared by a channel or
    sent to a manager, is left as it is and the note goes to the clicker alone.
    """
    ack()

    def mark(session: Session, decision: Decision) -> dict[str, Any]:
        reminders.revisit(session, decision, caller.user_id, caller.services.clock())
        if not decision.assessment_id:
            return {}
        return dict(get_assessment(session, caller.team_id, decision.assessment_id).answers or {})

    answers, title, owner, thread = _review(caller, action, mark)
    open_revisit(caller, body["trigger_id"], title, answers)
    note = t("decisions.reminder.done_revisit", caller.lang, title=escape(title))
    if str(action.get("block_id", "")).startswith(DIGEST_BLOCK_PREFIX):
        respond(replace_original=False, response_type="ephemeral", text=note)
    else:
        respond(replace_original=True, text=note)
    said = t("decisions.reminder.done_revisit", caller.team_lang, title=escape(title))
    tell_review(caller, thread, said)
    refresh_homes(caller, caller.user_id, owner)
