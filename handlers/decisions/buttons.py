"""Buttons that open the decide modal: "Log a decision" (Home) and "Save as decision"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack

from bot.db import session_scope
from bot.decisions.prefill import draft_from_assessment
from bot.decisions.rules import DecisionDraft
from bot.decisions.store import get_assessment
from bot.decisions.threads import draft_from_message, trimmed_summary, without_mentions
from bot.errors import parse_id
from bot.views.decisions import ModalContext
from handlers.context import Caller
from handlers.conversations import permalink, read_thread
from handlers.decisions.modal import open_decide_modal


def _channel(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or "")


def log_decision(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    """From the Home tab, or under a mention's answer: there, the decision belongs to the
    thread (its confirmation a reply in it, its link the thread's first message) and is
    pre-filled from it as "Log as decision" would be from its first message."""
    ack()
    draft = DecisionDraft(title="", verdict="", owner_id=caller.user_id)
    channel = _channel(body)
    thread_ts = str((body.get("container") or {}).get("thread_ts") or "")
    context = ModalContext(channel)
    if channel and thread_ts:
        people = [
            m for m in read_thread(caller.client, channel, thread_ts) if not m.by_bot and m.text
        ]
        if people:
            first = replace(people[0], text=without_mentions(people[0].text))
            others = people[1:]
            draft = draft_from_message(
                first, others, caller.user_id, trimmed_summary(others), caller.lang
            )
        link = permalink(caller.client, channel, thread_ts) or ""
        context = ModalContext(channel, thread_ts=thread_ts, link=link)
    open_decide_modal(
        caller,
        trigger_id=body["trigger_id"],
        context=context,
        draft=draft,
    )


def save_assessment_as_decision(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller
) -> None:
    """Pre-fill from the team's stored assessment; another team's id is simply not found."""
    ack()
    with session_scope(caller.services.sessions) as session:
        assessment = get_assessment(session, caller.team_id, parse_id(action.get("value")))
        draft = draft_from_assessment(assessment, caller.user_id, caller.lang)
    open_decide_modal(
        caller,
        trigger_id=body["trigger_id"],
        context=ModalContext(_channel(body)),
        draft=draft,
    )
