"""The "Log as decision" message shortcut: the decide modal pre-filled from a message and, in
a thread, from the thread (its people, and a summary: the LLM's when one is on, else the
messages themselves, trimmed), with a link back to the message."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError

from bot.decisions.rules import DecisionDraft
from bot.decisions.threads import (
    ThreadMessage,
    draft_from_message,
    rationale,
    transcript,
    trimmed_summary,
)
from bot.llm import LLMClient, thread_summary
from bot.views.decisions import ModalContext
from handlers.context import Caller
from handlers.conversations import permalink, read_thread
from handlers.decisions.modal import decide_view, open_decide_modal

log = logging.getLogger(__name__)


def log_message(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    """Open the modal within the trigger's 3 seconds (two quick reads first); the LLM's
    summary, if any, replaces the trimmed one after the ack."""
    ack()
    channel = str((body.get("channel") or {}).get("id") or "")
    raw = body.get("message") or {}
    message = ThreadMessage.of(raw)
    thread_ts = str(raw.get("thread_ts") or "")
    thread = read_thread(caller.client, channel, thread_ts) if thread_ts else []
    others = [m for m in thread if m.ts != message.ts]
    draft = draft_from_message(
        message, others, caller.user_id, trimmed_summary(others), caller.lang
    )
    context = ModalContext(
        channel,
        thread_ts=thread_ts or message.ts,
        link=permalink(caller.client, channel, message.ts) or "",
    )
    opened = open_decide_modal(
        caller,
        trigger_id=body["trigger_id"],
        context=context,
        draft=draft,
    )
    llm = caller.services.team_llm(caller.team_id)
    if others and llm is not None and opened.get("id"):
        caller.services.after_ack.submit(
            lambda: _summarise(
                caller,
                llm,
                opened,
                context,
                draft,
                message,
                others,
            ),
            lambda error: log.warning("thread summary not written: %s", type(error).__name__),
            team_id=caller.team_id,
        )


def _summarise(
    caller: Caller,
    llm: LLMClient,
    opened: dict[str, Any],
    context: ModalContext,
    draft: DecisionDraft,
    message: ThreadMessage,
    others: list[ThreadMessage],
) -> None:
    """The LLM's summary in the open modal; left as it is when the LLM fails or the modal has
    changed or closed meanwhile (Slack refuses an update whose ``hash`` is stale)."""
    summary = thread_summary(transcript(others), caller.lang, llm)
    if summary is None:
        return
    written = replace(draft, rationale=rationale(message.text, summary, caller.lang))
    view = decide_view(caller, context, written, renewed_rationale=True)
    try:
        caller.client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view)
    except SlackApiError as error:
        log.info(
            "modal %s not updated with the summary: %s", opened["id"], error.response.get("error")
        )
