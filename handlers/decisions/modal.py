"""The decide modal: opened from a command, a button or a menu; saved after field checks."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import session_scope
from bot.decisions.overview import team_context
from bot.decisions.rules import TEXT_MAX, TITLE_MAX, DecisionDraft, DraftRejected, draft_errors
from bot.decisions.store import (
    DecisionSummary,
    changeable_decision,
    create_decision,
    edit_decision,
    get_assessment,
    recent_assessments,
)
from bot.errors import MAYBE_DONE, UserError
from bot.i18n import t
from bot.messaging.client import error_code
from bot.messaging.post import posted
from bot.services import Services
from bot.views.decisions import (
    ModalContext,
    confirmation_blocks,
    decide_modal,
    draft_from_state,
    summary_line,
)
from handlers.decisions.access import owner_info, refresh_homes, requester_info

log = logging.getLogger(__name__)


def open_decide_modal(
    services: Services,
    client: WebClient,
    *,
    trigger_id: str,
    team_id: str,
    context: ModalContext,
    draft: DecisionDraft | None = None,
    supersedes_title: str | None = None,
) -> None:
    with session_scope(services.sessions) as session:
        ctx = team_context(session, team_id, services.clock())
        assessments = recent_assessments(session, team_id)
        linked = draft.assessment_id if draft else None
        if linked and linked not in {aid for aid, _ in assessments}:
            assessments.insert(0, (linked, get_assessment(session, team_id, linked).title))
    default_review = ctx.today + timedelta(days=ctx.review_period_days)
    client.views_open(
        trigger_id=trigger_id,
        view=decide_modal(
            ctx.lang,
            draft,
            context,
            default_review=default_review,
            assessments=assessments,
            supersedes_title=supersedes_title,
        ),
    )


def _field_errors(error: UserError, lang: str) -> dict[str, str]:
    limits = {"max": TITLE_MAX, "text_max": TEXT_MAX}
    if isinstance(error, DraftRejected):
        return {name: t(key, lang, **limits) for name, key in error.errors.items()}
    return {"title": t(error.key, lang, **error.params)}


def save_decision(
    ack: Ack,
    view: dict[str, Any],
    client: WebClient,
    services: Services,
    lang: str,
    team_id: str,
    user_id: str,
) -> None:
    """Check every field, save with its history, or show what is wrong beside each field."""
    draft = draft_from_state(view["state"]["values"])
    modal = ModalContext.load(view.get("private_metadata", ""))
    # Slack is asked before the write transaction opens, never while it holds the database.
    owner = owner_info(services, client, team_id, draft.owner_id)
    changes_one = modal.edit_id is not None or modal.supersedes_id is not None
    requester = requester_info(services, client, team_id, user_id) if changes_one else {}
    now = services.clock()
    try:
        with session_scope(services.sessions, write=True) as session:
            errors = draft_errors(
                draft, team_context(session, team_id, services.clock()).today, owner
            )
            if errors:
                raise DraftRejected(errors)
            if modal.edit_id is not None:
                decision = changeable_decision(session, team_id, user_id, requester, modal.edit_id)
                edit_decision(session, decision, user_id, draft, now)
                key = "decisions.confirm.edited"
            else:
                old = (
                    changeable_decision(session, team_id, user_id, requester, modal.supersedes_id)
                    if modal.supersedes_id is not None
                    else None
                )
                decision = create_decision(session, team_id, user_id, draft, now, old)
                key = "decisions.confirm.superseded" if old else "decisions.confirm.logged"
            saved = DecisionSummary.of(decision)
    except UserError as error:
        ack(response_action="errors", errors=_field_errors(error, lang))
        return
    ack()
    post_confirmation(
        client,
        modal.channel_id or user_id,
        user_id,
        confirmation_blocks(saved, user_id, lang, key),
        t(key, lang, user=f"<@{user_id}>", entry=summary_line(saved, lang)),
    )
    refresh_homes(services, client, team_id, user_id, saved.owner_id)


def post_confirmation(
    client: WebClient, channel: str, user_id: str, blocks: list, text: str
) -> None:
    """In the channel; by DM where the bot cannot post there. Never twice: when Slack's answer
    was lost it may have posted it, and the decision is saved; a second copy (or an error about
    a confirmation that is there) would be worse than none."""
    try:
        if posted(client.chat_postMessage, channel=channel, blocks=blocks, text=text) is not None:
            return
    except (SlackApiError, OSError) as error:
        code = error_code(error)
        if code not in MAYBE_DONE:
            raise
        log.warning("confirmation in %s may not have been posted: %s", channel, code)
        return
    if channel != user_id:
        client.chat_postMessage(channel=user_id, blocks=blocks, text=text)
