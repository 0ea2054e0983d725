"""The end of the modal: store, close at once, then post the result; and Share in channel.

The LLM narrative, when the team has one, is written only after the ack, in the background;
the result is posted once it is there (or with the offline narrative and a one-line notice if
the LLM failed). Verdict, scores and flags are the engine's either way.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

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
from bot.services import Services
from bot.views.assessment import ModalState, ResultCard, result_blocks, result_text
from bot.workspaces import team_settings
from handlers.assessment.common import channel_of, telling

log = logging.getLogger(__name__)


def finish(
    ack: Ack,
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    state: ModalState,
    lang: str,
    team_lang: str,
) -> None:
    """Score and store (fast, local), close the modal, then deliver the result."""
    assessment = score_answers(state.answers)
    with session_scope(services.sessions, write=True) as session:
        stored = save_assessment(
            session,
            team_id=team_id,
            channel_id=state.channel_id,
            user_id=user_id,
            assessment=assessment,
            lang=lang,
            title=state.title or t("advisor.slack.untitled", lang),
        )
    ack(response_action="clear")
    log.info("assessment %s stored team=%s verdict=%s", stored.id, team_id, stored.verdict)
    llm = services.team_llm(team_id)
    if llm is None:
        post_result(services, client, stored, lang, team_lang)
        return
    _to_user(client, stored, text=t("advisor.slack.working", lang))
    tell = telling(lambda text: _to_user(client, stored, text=text), lang)
    services.after_ack.submit(
        lambda: _write_then_post(services, client, stored, assessment, lang, team_lang, llm),
        tell,
        team_id=team_id,
    )


def _write_then_post(
    services: Services,
    client: WebClient,
    stored: StoredAssessment,
    assessment: Assessment,
    lang: str,
    team_lang: str,
    llm: LLMClient,
) -> None:
    advice = advise(assessment, lang, llm)  # never raises: any failure is the offline text
    if advice.used_llm:
        with session_scope(services.sessions, write=True) as session:
            stored = set_narrative(session, stored.team_id, stored.id, advice.text)
    post_result(services, client, stored, lang, team_lang, notice=advice.fallback_notice)


def _to_user(client: WebClient, stored: StoredAssessment, **message: Any) -> None:
    """Only the user sees it: ephemeral in the channel, or a DM when there is none."""
    if stored.channel_id and (
        posted(client.chat_postEphemeral, channel=stored.channel_id, user=stored.user_id, **message)
        is not None
    ):
        return
    client.chat_postMessage(channel=stored.user_id, **message)


def post_result(
    services: Services,
    client: WebClient,
    stored: StoredAssessment,
    lang: str,
    team_lang: str,
    notice: str | None = None,
) -> None:
    """Ephemeral by default; in the channel for all when the team chose so; else by DM.

    In the channel it speaks the team's language (``team_lang``), to the person their own.
    """
    with session_scope(services.sessions) as session:
        visibility = team_settings(session, stored.team_id).result_visibility
    card = ResultCard.of(stored)
    text = result_text(card, lang)
    if stored.channel_id:
        in_channel = visibility == "channel"
        blocks = result_blocks(card, lang, shareable=not in_channel, notice=notice)
        if in_channel:
            sent = posted(
                client.chat_postMessage,
                channel=stored.channel_id,
                text=result_text(card, team_lang),
                blocks=result_blocks(card, team_lang, shareable=False, notice=notice),
            )
        else:
            sent = posted(
                client.chat_postEphemeral,
                channel=stored.channel_id,
                user=stored.user_id,
                text=text,
                blocks=blocks,
            )
        if sent is not None:
            return
    client.chat_postMessage(
        channel=stored.user_id,
        text=text,
        blocks=result_blocks(card, lang, shareable=False, notice=notice),
    )


def share(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    lang: str,
    team_lang: str,
    team_id: str,
    user_id: str,
) -> None:
    """Post the user's own result in the channel for everyone (in the team's language); mark
    the private copy shared."""
    ack()
    with session_scope(services.sessions) as session:
        stored = load_assessment(session, team_id, parse_id(action.get("value")))
    if stored.user_id != user_id:
        raise UserError("advisor.slack.not_yours")
    channel = channel_of(body) or stored.channel_id
    if not channel:
        raise NotFound()
    card = ResultCard.of(stored)
    client.chat_postMessage(
        channel=channel,
        text=result_text(card, team_lang),
        blocks=result_blocks(
            card,
            team_lang,
            shareable=False,
            footer=t("advisor.slack.shared_by", team_lang, user=f"<@{user_id}>"),
        ),
    )
    respond(
        replace_original=True,
        text=result_text(card, lang),
        blocks=result_blocks(
            card, lang, shareable=False, footer=t("advisor.slack.shared_note", lang)
        ),
    )
