"""The end of the modal: store, close at once, then post the result; and Share in channel.

The LLM narrative, when the team has one, is written only after the ack, in the background;
the result is posted once it is there (or with the offline narrative and a one-line notice if
the LLM failed). Verdict, scores and flags are the engine's either way.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond

from bot.assessment.engine import Assessment, score_answers
from bot.assessment.store import (
    StoredAssessment,
    load_assessment,
    save_assessment,
    set_narrative,
)
from bot.db import session_scope
from bot.errors import NotFound, UserError, parse_id
from bot.i18n import t
from bot.llm import LLMClient, advise
from bot.messaging.post import posted
from bot.views.assessment import ModalState, ResultCard, result_blocks, result_text
from bot.workspaces import team_settings
from handlers.assessment.common import channel_of, telling
from handlers.context import Caller

log = logging.getLogger(__name__)


def finish(ack: Ack, caller: Caller, state: ModalState) -> None:
    """Score and store (fast, local), close the modal, then deliver the result."""
    assessment = score_answers(state.answers)
    with session_scope(caller.services.sessions, write=True) as session:
        stored = save_assessment(
            session,
            team_id=caller.team_id,
            channel_id=state.channel_id,
            user_id=caller.user_id,
            assessment=assessment,
            lang=caller.lang,
            title=state.title or t("advisor.slack.untitled", caller.lang),
        )
    ack(response_action="clear")
    log.info("assessment %s stored team=%s verdict=%s", stored.id, caller.team_id, stored.verdict)
    llm = caller.services.team_llm(caller.team_id)
    if llm is None:
        post_result(caller, stored)
        return
    _to_user(caller, stored, text=t("advisor.slack.working", caller.lang))
    tell = telling(lambda text: _to_user(caller, stored, text=text), caller.lang)
    caller.services.after_ack.submit(
        lambda: _write_then_post(caller, stored, assessment, llm),
        tell,
        team_id=caller.team_id,
    )


def _write_then_post(
    caller: Caller, stored: StoredAssessment, assessment: Assessment, llm: LLMClient
) -> None:
    advice = advise(assessment, caller.lang, llm)  # never raises: any failure is the offline text
    if advice.used_llm:
        with session_scope(caller.services.sessions, write=True) as session:
            stored = set_narrative(session, stored.team_id, stored.id, advice.text)
    post_result(caller, stored, notice=advice.fallback_notice)


def _to_user(caller: Caller, stored: StoredAssessment, **message: Any) -> None:
    """Only the user sees it: ephemeral in the channel, or a DM when there is none."""
    if stored.channel_id and (
        posted(
            caller.client.chat_postEphemeral,
            channel=stored.channel_id,
            user=stored.user_id,
            **message,
        )
        is not None
    ):
        return
    caller.client.chat_postMessage(channel=stored.user_id, **message)


def post_result(caller: Caller, stored: StoredAssessment, notice: str | None = None) -> None:
    """Ephemeral by default; in the channel for all when the team chose so; else by DM.

    In the channel it speaks the team's language (``team_lang``), to the person their own.
    """
    with session_scope(caller.services.sessions) as session:
        visibility = team_settings(session, stored.team_id).result_visibility
    card = ResultCard.of(stored)
    text = result_text(card, caller.lang)
    if stored.channel_id:
        in_channel = visibility == "channel"
        blocks = result_blocks(card, caller.lang, shareable=not in_channel, notice=notice)
        if in_channel:
            sent = posted(
                caller.client.chat_postMessage,
                channel=stored.channel_id,
                text=result_text(card, caller.team_lang),
                blocks=result_blocks(card, caller.team_lang, shareable=False, notice=notice),
            )
        else:
            sent = posted(
                caller.client.chat_postEphemeral,
                channel=stored.channel_id,
                user=stored.user_id,
                text=text,
                blocks=blocks,
            )
        if sent is not None:
            return
    caller.client.chat_postMessage(
        channel=stored.user_id,
        text=text,
        blocks=result_blocks(card, caller.lang, shareable=False, notice=notice),
    )


def share(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller, respond: Respond
) -> None:
    """Post the user's own result in the channel for everyone (in the team's language); mark
    the private copy shared."""
    ack()
    with session_scope(caller.services.sessions) as session:
        stored = load_assessment(session, caller.team_id, parse_id(action.get("value")))
    if stored.user_id != caller.user_id:
        raise UserError("advisor.slack.not_yours")
    channel = channel_of(body) or stored.channel_id
    if not channel:
        raise NotFound()
    card = ResultCard.of(stored)
    caller.client.chat_postMessage(
        channel=channel,
        text=result_text(card, caller.team_lang),
        blocks=result_blocks(
            card,
            caller.team_lang,
            shareable=False,
            footer=t("advisor.slack.shared_by", caller.team_lang, user=f"<@{caller.user_id}>"),
        ),
    )
    respond(
        replace_original=True,
        text=result_text(card, caller.lang),
        blocks=result_blocks(
            card, caller.lang, shareable=False, footer=t("advisor.slack.shared_note", caller.lang)
        ),
    )
