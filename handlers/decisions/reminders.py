"""The review reminder's buttons: Still right, Revisit, Snooze 30 days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.decisions import reminders
from bot.decisions.store import changeable_decision, get_assessment
from bot.i18n import t
from bot.models import Decision
from bot.services import Services
from bot.text import escape
from bot.views.decisions import confirmation_text_blocks
from bot.views.ids import DIGEST_BLOCK_PREFIX
from handlers.decisions.access import refresh_homes, requester_info
from handlers.decisions.modal import Thread, tell_thread
from handlers.decisions.revisit import open_revisit

Apply = Callable[[Session, Decision, str, datetime], date | None]


def _answer(
    ack: Ack,
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    lang: str,
    team_lang: str,
    team_id: str,
    user_id: str,
    apply: Apply,
    key: str,
) -> None:
    ack()
    requester = requester_info(services, client, team_id, user_id)
    with session_scope(services.sessions, write=True) as session:
        decision = changeable_decision(session, team_id, user_id, requester, action.get("value"))
        status = decision.status
        new_date = apply(session, decision, user_id, services.clock())
        title, owner = escape(decision.title), decision.owner_id
        thread = Thread.of(decision, status_changed=decision.status != status)
    when = new_date.isoformat() if new_date else ""
    respond(replace_original=True, text=t(key, lang, title=title, date=when))
    tell_review(client, thread, user_id, t(key, team_lang, title=title, date=when), team_lang)
    refresh_homes(services, client, team_id, user_id, owner)


def tell_review(
    client: WebClient, thread: Thread | None, user_id: str, text: str, lang: str
) -> None:
    """A review's outcome in the decision's thread (to the channel too if its status moved), in
    the team's language (``text`` and ``lang``): the channel reads it."""
    if thread is None:
        return
    said = t("decisions.thread.by", lang, user=f"<@{user_id}>", text=text)
    tell_thread(client, thread, user_id, confirmation_text_blocks(said), said)


def still_right(
    ack: Ack,
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    lang: str,
    team_lang: str,
    team_id: str,
    user_id: str,
) -> None:
    answer = (ack, action, respond, client, services, lang, team_lang, team_id, user_id)
    _answer(*answer, reminders.still_right, "decisions.reminder.done_still_right")


def snooze(
    ack: Ack,
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    lang: str,
    team_lang: str,
    team_id: str,
    user_id: str,
) -> None:
    answer = (ack, action, respond, client, services, lang, team_lang, team_id, user_id)
    _answer(*answer, reminders.snooze, "decisions.reminder.done_snoozed")


def revisit(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    lang: str,
    team_lang: str,
    team_id: str,
    user_id: str,
) -> None:
    """Mark it revisiting (kept in the history), then show the answers it was decided on.

    A reminder (the owner's DM) is replaced by the note; a digest, shared by a channel or
    sent to a manager, is left as it is and the note goes to the clicker alone.
    """
    ack()
    requester = requester_info(services, client, team_id, user_id)
    with session_scope(services.sessions, write=True) as session:
        decision = changeable_decision(session, team_id, user_id, requester, action.get("value"))
        status = decision.status
        reminders.revisit(session, decision, user_id, services.clock())
        thread = Thread.of(decision, status_changed=decision.status != status)
        answers = (
            get_assessment(session, team_id, decision.assessment_id).answers
            if decision.assessment_id
            else {}
        )
        title, owner = decision.title, decision.owner_id
    open_revisit(client, body["trigger_id"], title, dict(answers or {}), lang)
    note = t("decisions.reminder.done_revisit", lang, title=escape(title))
    if str(action.get("block_id", "")).startswith(DIGEST_BLOCK_PREFIX):
        respond(replace_original=False, response_type="ephemeral", text=note)
    else:
        respond(replace_original=True, text=note)
    said = t("decisions.reminder.done_revisit", team_lang, title=escape(title))
    tell_review(client, thread, user_id, said, team_lang)
    refresh_homes(services, client, team_id, user_id, owner)
