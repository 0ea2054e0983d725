"""The decide modal: opened from a command, a button or a menu; saved after field checks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import Ack
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from bot.db import session_scope
from bot.decisions.overview import team_context
from bot.decisions.rules import TEXT_MAX, TITLE_MAX, DecisionDraft, DraftRejected, draft_errors
from bot.decisions.store import (
    Source,
    changeable_decision,
    create_decision,
    edit_decision,
    get_assessment,
    get_decision,
    recent_assessments,
    set_thread,
    summaries,
)
from bot.errors import MAYBE_DONE, UserError
from bot.i18n import t
from bot.messaging.client import error_code
from bot.messaging.post import posted
from bot.models import Decision
from bot.views.decisions import (
    ModalContext,
    confirmation_blocks,
    decide_modal,
    draft_from_state,
    summary_line,
)
from handlers.context import Caller
from handlers.conversations import permalink
from handlers.decisions.access import owner_info, refresh_homes, requester_info

log = logging.getLogger(__name__)


def open_decide_modal(
    caller: Caller,
    *,
    trigger_id: str,
    context: ModalContext,
    draft: DecisionDraft | None = None,
    supersedes_title: str | None = None,
) -> dict[str, Any]:
    """Open the modal in the caller's language; the view as Slack holds it (its ``id`` and
    ``hash`` for an update)."""
    view = decide_view(caller, context, draft, supersedes_title)
    response = caller.client.views_open(trigger_id=trigger_id, view=view)
    return dict(response.get("view") or {})


def decide_view(
    caller: Caller,
    context: ModalContext,
    draft: DecisionDraft | None = None,
    supersedes_title: str | None = None,
    renewed_rationale: bool = False,
) -> View:
    with session_scope(caller.services.sessions) as session:
        ctx = team_context(session, caller.team_id, caller.services.clock())
        assessments = recent_assessments(session, caller.team_id)
        linked = draft.assessment_id if draft else None
        if linked and linked not in {aid for aid, _ in assessments}:
            assessments.insert(0, (linked, get_assessment(session, caller.team_id, linked).title))
    default_review = ctx.today + timedelta(days=ctx.review_period_days)
    return decide_modal(
        caller.lang,
        draft,
        context,
        default_review=default_review,
        assessments=assessments,
        supersedes_title=supersedes_title,
        renewed_rationale=renewed_rationale,
    )


def _field_errors(error: UserError, lang: str) -> dict[str, str]:
    limits = {"max": TITLE_MAX, "text_max": TEXT_MAX}
    if isinstance(error, DraftRejected):
        return {name: t(key, lang, **limits) for name, key in error.errors.items()}
    return {"title": t(error.key, lang, **error.params)}


def save_decision(ack: Ack, view: dict[str, Any], caller: Caller) -> None:
    """Check every field, save with its history, or show what is wrong beside each field.

    The errors speak the person's language, the confirmation (a channel post) the team's."""
    draft = draft_from_state(view["state"]["values"])
    modal = ModalContext.load(view.get("private_metadata", ""))
    # Slack is asked before the write transaction opens, never while it holds the database.
    owner = owner_info(caller, draft.owner_id)
    changes_one = modal.edit_id is not None or modal.supersedes_id is not None
    requester = requester_info(caller) if changes_one else {}
    now = caller.services.clock()
    source = Source(modal.link or None, modal.channel_id or None, modal.thread_ts or None)
    try:
        with session_scope(caller.services.sessions, write=True) as session:
            errors = draft_errors(
                draft, team_context(session, caller.team_id, caller.services.clock()).today, owner
            )
            if errors:
                raise DraftRejected(errors)
            if modal.edit_id is not None:
                decision = changeable_decision(
                    session, caller.team_id, caller.user_id, requester, modal.edit_id
                )
                status_changed = "status" in edit_decision(
                    session, decision, caller.user_id, draft, now
                )
                key = "decisions.confirm.edited"
            else:
                old = (
                    changeable_decision(
                        session, caller.team_id, caller.user_id, requester, modal.supersedes_id
                    )
                    if modal.supersedes_id is not None
                    else None
                )
                decision = create_decision(
                    session, caller.team_id, caller.user_id, draft, now, old, source
                )
                status_changed = old is not None  # the old one is now superseded
                key = "decisions.confirm.superseded" if old else "decisions.confirm.logged"
            [saved] = summaries(session, caller.team_id, [decision])
            thread = Thread.of(decision, status_changed)
    except UserError as error:
        ack(response_action="errors", errors=_field_errors(error, caller.lang))
        return
    ack()
    text = t(
        key,
        caller.team_lang,
        user=f"<@{caller.user_id}>",
        entry=summary_line(saved, caller.team_lang),
    )
    blocks = confirmation_blocks(saved, caller.user_id, caller.team_lang, key)
    if thread is not None:
        tell_thread(caller, thread, blocks, text)
    else:
        where = post_confirmation(caller, modal.channel_id or caller.user_id, blocks, text)
        if where is not None and modal.channel_id:  # a channel's thread, not a DM's
            remember_thread(caller, saved.id, *where)
    refresh_homes(caller, caller.user_id, saved.owner_id)


@dataclass(frozen=True)
class Thread:
    """The thread a decision is told in, and whether this news goes to the channel too."""

    channel: str
    ts: str
    broadcast: bool = False

    @classmethod
    def of(cls, decision: Decision, status_changed: bool = False) -> Thread | None:
        if not (decision.thread_channel and decision.thread_ts):
            return None
        return cls(decision.thread_channel, decision.thread_ts, status_changed)


def tell_thread(caller: Caller, thread: Thread, blocks: list, text: str) -> None:
    """A reply in the decision's thread, sent to the channel as well only when its status
    changed; by DM where the bot cannot post there any more."""
    post_confirmation(
        caller,
        thread.channel,
        blocks,
        text,
        thread_ts=thread.ts,
        reply_broadcast=thread.broadcast,
    )


def remember_thread(caller: Caller, decision_id: int, channel: str, ts: str) -> None:
    """The confirmation just posted becomes the thread the decision's changes are told in, and
    its permalink the decision's link (the digest's "bears on your decision" points there).

    The decision is saved by then: a database failing now costs only the thread (its changes
    are then told in the channel), never a message telling the user their save failed."""
    link = permalink(caller.client, channel, ts) if ts else None
    try:
        with session_scope(caller.services.sessions, write=True) as session:
            set_thread(get_decision(session, caller.team_id, decision_id), channel, ts, link)
    except SQLAlchemyError as error:
        log.warning(
            "decision %s: its thread not remembered: database: %s",
            decision_id,
            type(error).__name__,
        )


def post_confirmation(
    caller: Caller, channel: str, blocks: list, text: str, **where: Any
) -> tuple[str, str] | None:
    """In the channel (``where``: its thread); by DM where the bot cannot post there. Never
    twice: when Slack's answer was lost it may have posted it, and the decision is saved; a
    second copy (or an error about a confirmation that is there) would be worse than none.

    Returns the channel and ts of the message when it went where it was meant to go."""
    try:
        response = posted(
            caller.client.chat_postMessage, channel=channel, blocks=blocks, text=text, **where
        )
        if response is not None:
            return str(response.get("channel") or channel), str(response.get("ts") or "")
    except (SlackApiError, OSError) as error:
        code = error_code(error)
        if code not in MAYBE_DONE:
            raise
        log.warning("confirmation in %s may not have been posted: %s", channel, code)
        return None
    if channel != caller.user_id:
        caller.client.chat_postMessage(channel=caller.user_id, blocks=blocks, text=text)
    return None
