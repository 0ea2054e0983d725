"""Team rounds: ``/buildvsbuy assess team``, the setup modal, Answer, Nudge, Close, Discuss and
Rerun. Thin: the rules live in ``bot.assessment.rounds``, the Slack work in
``bot.jobs.team_rounds``; whatever needs many Slack calls runs after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.assessment.questions import PAGES
from bot.assessment.rounds import (
    RoundInfo,
    create_round,
    load_round,
    own_answers,
    parse_round_id,
    record_answers,
)
from bot.assessment.store import TITLE_MAX
from bot.db import session_scope
from bot.errors import UserError
from bot.i18n import t
from bot.jobs.team_rounds import close_round, invite, nudge, refresh_status, resolve_people
from bot.services import Services
from bot.views.assessment import ModalState, question_block_id
from bot.views.team import PEOPLE, parse_setup, setup_channel, setup_modal
from handlers.assessment.common import channel_of, open_modal, telling
from handlers.context import CommandRequest

log = logging.getLogger(__name__)


def assess_team(req: CommandRequest, title: str) -> None:
    """``/buildvsbuy assess team [title]``: the setup modal."""
    req.ack()
    req.client.views_open(
        trigger_id=req.cmd.trigger_id,
        view=setup_modal(req.lang, req.cmd.channel_id, title[:TITLE_MAX]),
    )


def open_setup(ack: Ack, body: dict[str, Any], client: WebClient, lang: str) -> None:
    """ "Ask my team instead" on page 1 of the assessment modal: the same modal becomes the
    setup, keeping the title typed so far."""
    ack()
    view = body["view"]
    state = ModalState.load(view.get("private_metadata"))
    client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=setup_modal(lang, state.channel_id, state.title),
    )


def submit_setup(
    ack: Ack,
    view: dict[str, Any],
    client: WebClient,
    services: Services,
    lang: str,
    team_lang: str,
    team_id: str,
    user_id: str,
) -> None:
    """Close the modal at once; find the people and send the invitations after the ack.

    The round speaks the team's language: it invites others and posts in the channel."""
    form = parse_setup((view.get("state") or {}).get("values") or {})
    if not form.people and not form.channel:
        ack(response_action="errors", errors={PEOPLE: t("team.error.nobody", lang)})
        return
    ack(response_action="clear")
    starter = user_id
    channel = setup_channel(view) or form.channel or starter

    def start() -> None:
        people, capped = resolve_people(client, form.people, form.channel)
        if not people:
            raise UserError("team.error.nobody")
        with session_scope(services.sessions, write=True) as session:
            info = create_round(
                session,
                team_id=team_id,
                channel_id=channel,
                starter_id=starter,
                title=form.title or t("advisor.slack.untitled", team_lang),
                people=people,
                anonymous=form.anonymous,
                lang=team_lang,
                now=services.clock(),
                days=form.days,
            )
        notice = t("team.slack.capped", lang, count=len(people)) if capped else None
        invite(services, client, info, notice)

    tell = telling(lambda text: client.chat_postMessage(channel=starter, text=text), lang)
    services.after_ack.submit(start, tell, team_id=team_id)


def answer(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    services: Services,
    lang: str,
    team_id: str,
    user_id: str,
) -> None:
    """Answer (from the invitation): the assessment modal, with this person's answers so far."""
    ack()
    round_id = parse_round_id(action.get("value"))
    with session_scope(services.sessions) as session:
        answers = own_answers(session, team_id, round_id, user_id)
        title = load_round(session, team_id, round_id).title
    state = ModalState(title=title, answers=answers, round_id=round_id)
    open_modal(client, body["trigger_id"], state, lang)


def answered(
    ack: Ack,
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    state: ModalState,
    lang: str,
) -> None:
    """The modal's last page in a round: keep the answers (private), or say why not."""
    try:
        with session_scope(services.sessions, write=True) as session:
            info = record_answers(
                session, team_id, state.round_id, user_id, dict(state.answers), services.clock()
            )
    except UserError as error:  # not invited (a forged submission), closed, or gone
        log.info("team round %s: answers refused (%s)", state.round_id, error.key)
        first = question_block_id(PAGES[state.page][0])
        ack(response_action="errors", errors={first: t(error.key, lang, **error.params)})
        return
    ack(response_action="clear")
    client.chat_postMessage(channel=user_id, text=t("team.slack.thanks", lang, title=info.title))
    refresh_status(client, info)


def _starters_round(
    services: Services, team_id: str, user_id: str, action: dict[str, Any]
) -> RoundInfo:
    """The round a button names, or ``not_starter`` unless the clicker started it."""
    with session_scope(services.sessions) as session:
        info = load_round(session, team_id, parse_round_id(action.get("value")))
    if info.starter_id != user_id:
        raise UserError("team.error.not_starter")
    return info


def nudge_pending(
    ack: Ack,
    action: dict[str, Any],
    client: WebClient,
    services: Services,
    team_id: str,
    user_id: str,
) -> None:
    """Nudge: one DM to each person who has not answered (starter only)."""
    ack()
    info = _starters_round(services, team_id, user_id, action)
    if not info.is_open:
        raise UserError("team.error.closed")
    sent = nudge(client, info)
    refresh_status(client, info, t("team.slack.nudge_sent", info.lang, count=sent))


def close_now(
    ack: Ack,
    action: dict[str, Any],
    client: WebClient,
    services: Services,
    team_id: str,
    user_id: str,
) -> None:
    """Close now (starter only): the result is posted where the round started."""
    ack()
    info = _starters_round(services, team_id, user_id, action)
    close_round(services, client, info.team_id, info.id, by=user_id)


def discuss(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    services: Services,
    team_id: str,
    user_id: str,
) -> None:
    """Discuss in thread: open the thread under the result with the biggest split."""
    ack()
    with session_scope(services.sessions) as session:
        info = load_round(session, team_id, parse_round_id(action.get("value")))
    message_ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get(
        "message_ts"
    )
    client.chat_postMessage(
        channel=channel_of(body) or info.channel_id,
        thread_ts=message_ts,
        text=t("team.slack.discuss_opened", info.lang, user=f"<@{user_id}>"),
    )


def rerun(
    ack: Ack,
    action: dict[str, Any],
    client: WebClient,
    services: Services,
    team_lang: str,
    team_id: str,
    user_id: str,
) -> None:
    """Rerun with the same people, names setting and channel (starter only), in the team's
    language."""
    ack()
    old = _starters_round(services, team_id, user_id, action)
    with session_scope(services.sessions, write=True) as session:
        info = create_round(
            session,
            team_id=old.team_id,
            channel_id=old.channel_id,
            starter_id=old.starter_id,
            title=old.title,
            people=old.members,
            anonymous=old.anonymous,
            lang=team_lang,
            now=services.clock(),
        )
    tell = telling(
        lambda text: client.chat_postMessage(channel=info.starter_id, text=text), info.lang
    )
    services.after_ack.submit(lambda: invite(services, client, info, None), tell, team_id=team_id)
