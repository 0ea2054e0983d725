"""The list's buttons and menus: Previous/Next, and revisit, supersede, reverse or edit."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.db import session_scope
from bot.decisions.prefill import draft_from_decision
from bot.decisions.readers import require_reader
from bot.decisions.search import list_page
from bot.decisions.store import DecisionSummary, change, changeable_decision
from bot.errors import NotFound, UserError
from bot.i18n import t
from bot.services import Services
from bot.views.decisions import (
    ENTRY_ACTIONS,
    ModalContext,
    confirmation_text_blocks,
    list_blocks,
    list_text,
    parse_page_value,
    summary_line,
)
from handlers.decisions.access import refresh_homes, requester_info
from handlers.decisions.modal import Thread, open_decide_modal, tell_thread

STATUS_OF = {"revisit": "revisiting", "reverse": "reversed"}


def turn_page(
    ack: Ack,
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    services: Services,
    lang: str,
    team_id: str,
    user_id: str,
) -> None:
    ack()
    number, words = parse_page_value(action.get("value", ""))
    reader = requester_info(services, client, team_id, user_id)
    with session_scope(services.sessions) as session:
        require_reader(session, team_id, reader)  # a forged Next button reads nothing either
        page = list_page(session, team_id, number, words)
    respond(
        replace_original=True,
        response_type="ephemeral",
        text=list_text(page, lang),
        blocks=list_blocks(page, lang),
    )


def entry_menu(
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
    """One listed decision's menu; the id is looked up in the requester's team only."""
    ack()
    verb, _, raw_id = str((action.get("selected_option") or {}).get("value", "")).partition(":")
    if verb not in ENTRY_ACTIONS:
        raise NotFound()
    if verb in STATUS_OF:
        set_status(services, client, respond, team_id, user_id, raw_id, verb, (lang, team_lang))
        return
    requester = requester_info(services, client, team_id, user_id)
    with session_scope(services.sessions) as session:
        require_reader(session, team_id, requester)
        decision = changeable_decision(session, team_id, user_id, requester, raw_id)
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
        services,
        client,
        trigger_id=body["trigger_id"],
        team_id=team_id,
        context=modal,
        draft=draft,
        supersedes_title=title if verb == "supersede" else None,
        lang=lang,
    )


def set_status(
    services: Services,
    client: WebClient,
    respond: Respond,
    team_id: str,
    user_id: str,
    raw_id: str,
    verb: str,
    langs: tuple[str, str],
) -> None:
    """The person is answered in their language, the decision's thread in the team's."""
    lang, team_lang = langs
    requester = requester_info(services, client, team_id, user_id)
    with session_scope(services.sessions, write=True) as session:
        require_reader(session, team_id, requester)
        decision = changeable_decision(session, team_id, user_id, requester, raw_id)
        changed = change(
            session, decision, user_id, STATUS_OF[verb], services.clock(), status=STATUS_OF[verb]
        )
        saved = DecisionSummary.of(decision)
        thread = Thread.of(decision, status_changed=True) if changed else None
    key = f"decisions.confirm.{STATUS_OF[verb]}" if changed else "decisions.confirm.unchanged"
    text = t(key, lang, entry=summary_line(saved, lang))
    respond(replace_original=False, response_type="ephemeral", text=text)
    if thread is not None:  # the decision's thread hears of it, and its channel: a new status
        told = t(key, team_lang, entry=summary_line(saved, team_lang))
        said = t("decisions.thread.by", team_lang, user=f"<@{user_id}>", text=told)
        tell_thread(client, thread, user_id, confirmation_text_blocks(said), said)
    refresh_homes(services, client, team_id, user_id, saved.owner_id)
