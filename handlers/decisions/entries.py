"""The list's buttons and menus: Previous/Next, and revisit, supersede, reverse or edit."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond

from bot.db import session_scope
from bot.decisions.prefill import draft_from_decision
from bot.decisions.readers import require_reader
from bot.decisions.search import list_page
from bot.decisions.store import DecisionSummary, change, changeable_decision
from bot.errors import NotFound, UserError
from bot.i18n import t
from bot.views.decisions import (
    ENTRY_ACTIONS,
    ModalContext,
    confirmation_text_blocks,
    list_blocks,
    list_text,
    parse_page_value,
    summary_line,
)
from handlers.context import Caller
from handlers.decisions.access import refresh_homes, requester_info
from handlers.decisions.modal import Thread, open_decide_modal, tell_thread

STATUS_OF = {"revisit": "revisiting", "reverse": "reversed"}


def turn_page(ack: Ack, action: dict[str, Any], respond: Respond, caller: Caller) -> None:
    ack()
    number, words = parse_page_value(action.get("value", ""))
    reader = requester_info(caller)
    with session_scope(caller.services.sessions) as session:
        require_reader(session, caller.team_id, reader)  # a forged Next button reads nothing either
        page = list_page(session, caller.team_id, number, words)
    respond(
        replace_original=True,
        response_type="ephemeral",
        text=list_text(page, caller.lang),
        blocks=list_blocks(page, caller.lang),
    )


def entry_menu(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, caller: Caller
) -> None:
    """One listed decision's menu; the id is looked up in the requester's team only."""
    ack()
    verb, _, raw_id = str((action.get("selected_option") or {}).get("value", "")).partition(":")
    if verb not in ENTRY_ACTIONS:
        raise NotFound()
    if verb in STATUS_OF:
        set_status(caller, respond, raw_id, verb)
        return
    requester = requester_info(caller)
    with session_scope(caller.services.sessions) as session:
        require_reader(session, caller.team_id, requester)
        decision = changeable_decision(session, caller.team_id, caller.user_id, requester, raw_id)
        if verb == "supersede" and decision.superseded_by_id is not None:
            raise UserError("decisions.error.already_superseded")
        draft, title, decision_id = draft_from_decision(decision), decision.title, decision.id
    channel = (body.get("channel") or {}).get("id", "")
    modal = (
        ModalContext(channel, edit_id=decision_id)
        if verb == "edit"
        else ModalContext(channel, supersedes_id=decision_id)
    )
    open_decide_modal(
        caller,
        trigger_id=body["trigger_id"],
        context=modal,
        draft=draft,
        supersedes_title=title if verb == "supersede" else None,
    )


def set_status(caller: Caller, respond: Respond, raw_id: str, verb: str) -> None:
    """The person is answered in their language, the decision's thread in the team's."""
    requester = requester_info(caller)
    with session_scope(caller.services.sessions, write=True) as session:
        require_reader(session, caller.team_id, requester)
        decision = changeable_decision(session, caller.team_id, caller.user_id, requester, raw_id)
        changed = change(
            session,
            decision,
            caller.user_id,
            STATUS_OF[verb],
            caller.services.clock(),
            status=STATUS_OF[verb],
        )
        saved = DecisionSummary.of(decision)
        thread = Thread.of(decision, status_changed=True) if changed else None
    key = f"decisions.confirm.{STATUS_OF[verb]}" if changed else "decisions.confirm.unchanged"
    text = t(key, caller.lang, entry=summary_line(saved, caller.lang))
    respond(replace_original=False, response_type="ephemeral", text=text)
    if thread is not None:  # the decision's thread hears of it, and its channel: a new status
        told = t(key, caller.team_lang, entry=summary_line(saved, caller.team_lang))
        said = t("decisions.thread.by", caller.team_lang, user=f"<@{caller.user_id}>", text=told)
        tell_thread(caller, thread, confirmation_text_blocks(said), said)
    refresh_homes(caller, caller.user_id, saved.owner_id)
