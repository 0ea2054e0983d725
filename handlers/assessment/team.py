"""Team rounds: ``/buildvsbuy assess team``, the setup modal, Answer, Nudge, Close, Discuss and
Rerun. Thin: the rules live in ``bot.assessment.rounds``, the Slack work in
``bot.jobs.team_rounds``; whatever needs many Slack calls runs after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack

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
from bot.views.assessment import ModalState, question_block_id
from bot.views.team import PEOPLE, parse_setup, setup_channel, setup_modal
from handlers.assessment.common import channel_of, open_modal, telling
from handlers.context import Caller, CommandRequest

log = logging.getLogger(__name__)


def assess_team(req: CommandRequest, title: str) -> None:
    """``/buildvsbuy assess team [title]``: the setup modal."""
    req.ack()
    req.caller.client.views_open(
        trigger_id=req.cmd.trigger_id,
        view=setup_modal(req.caller.lang, req.cmd.channel_id, title[:TITLE_MAX]),
    )


def open_setup(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    """ "Ask my team instead" on page 1 of the assessment modal: the same modal becomes the
    setup, keeping the title typed so far."""
    ack()
    view = body["view"]
    state = ModalState.load(view.get("private_metadata"))
    caller.client.views_update(
        view_id=view["id"],
        hash=view.get("hash"),
        view=setup_modal(caller.lang, state.channel_id, state.title),
    )


def submit_setup(ack: Ack, view: dict[str, Any], caller: Caller) -> None:
    """Close the modal at once; find the people and send the invitations after the ack.

    The round speaks the team's language: it invites others and posts in the channel."""
    form = parse_setup((view.get("state") or {}).get("values") or {})
    if not form.people and not form.channel:
        ack(response_action="errors", errors={PEOPLE: t("team.error.nobody", caller.lang)})
        return
    ack(response_action="clear")
    starter = caller.user_id
    channel = setup_channel(view) or form.channel or starter

    def start() -> None:
        people, capped = resolve_people(caller.client, form.people, form.channel)
        if not people:
            raise UserError("team.error.nobody")
        with session_scope(caller.services.sessions, write=True) as session:
            info = create_round(
                session,
                team_id=caller.team_id,
                channel_id=channel,
                starter_id=starter,
                title=form.title or t("advisor.slack.untitled", caller.team_lang),
                people=people,
                anonymous=form.anonymous,
                lang=caller.team_lang,
                now=caller.services.clock(),
                days=form.days,
            )
        notice = t("team.slack.capped", caller.lang, count=len(people)) if capped else None
        invite(caller.services, caller.client, info, notice)

    tell = telling(
        lambda text: caller.client.chat_postMessage(channel=starter, text=text), caller.lang
    )
    caller.services.after_ack.submit(start, tell, team_id=caller.team_id)


def answer(ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller) -> None:
    """Answer (from the invitation): the assessment modal, with this person's answers so far."""
    ack()
    round_id = parse_round_id(action.get("value"))
    with session_scope(caller.services.sessions) as session:
        answers = own_answers(session, caller.team_id, round_id, caller.user_id)
        title = load_round(session, caller.team_id, round_id).title
    state = ModalState(title=title, answers=answers, round_id=round_id)
    open_modal(caller, body["trigger_id"], state)


def answered(ack: Ack, caller: Caller, state: ModalState) -> None:
    """The modal's last page in a round: keep the answers (private), or say why not."""
    try:
        with session_scope(caller.services.sessions, write=True) as session:
            info = record_answers(
                session,
                caller.team_id,
                state.round_id,
                caller.user_id,
                dict(state.answers),
                caller.services.clock(),
            )
    except UserError as error:  # not invited (a forged submission), closed, or gone
        log.info("team round %s: answers refused (%s)", state.round_id, error.key)
        first = question_block_id(PAGES[state.page][0])
        ack(response_action="errors", errors={first: t(error.key, caller.lang, **error.params)})
        return
    ack(response_action="clear")
    caller.client.chat_postMessage(
        channel=caller.user_id, text=t("team.slack.thanks", caller.lang, title=info.title)
    )
    refresh_status(caller.client, info)


def _starters_round(caller: Caller, action: dict[str, Any]) -> RoundInfo:
    """The round a button names, or ``not_starter`` unless the clicker started it."""
    with session_scope(caller.services.sessions) as session:
        info = load_round(session, caller.team_id, parse_round_id(action.get("value")))
    if info.starter_id != caller.user_id:
        raise UserError("team.error.not_starter")
    return info


def nudge_pending(ack: Ack, action: dict[str, Any], caller: Caller) -> None:
    """Nudge: one DM to each person who has not answered (starter only)."""
    ack()
    info = _starters_round(caller, action)
    if not info.is_open:
        raise UserError("team.error.closed")
    sent = nudge(caller.client, info)
    refresh_status(caller.client, info, t("team.slack.nudge_sent", info.lang, count=sent))


def close_now(ack: Ack, action: dict[str, Any], caller: Caller) -> None:
    """Close now (starter only): the result is posted where the round started."""
    ack()
    info = _starters_round(caller, action)
    close_round(caller.services, caller.client, info.team_id, info.id, by=caller.user_id)


def discuss(ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller) -> None:
    """Discuss in thread: open the thread under the result with the biggest split."""
    ack()
    with session_scope(caller.services.sessions) as session:
        info = load_round(session, caller.team_id, parse_round_id(action.get("value")))
    message_ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get(
        "message_ts"
    )
    caller.client.chat_postMessage(
        channel=channel_of(body) or info.channel_id,
        thread_ts=message_ts,
        text=t("team.slack.discuss_opened", info.lang, user=f"<@{caller.user_id}>"),
    )


def rerun(ack: Ack, action: dict[str, Any], caller: Caller) -> None:
    """Rerun with the same people, names setting and channel (starter only), in the team's
    language."""
    ack()
    old = _starters_round(caller, action)
    with session_scope(caller.services.sessions, write=True) as session:
        info = create_round(
            session,
            team_id=old.team_id,
            channel_id=old.channel_id,
            starter_id=old.starter_id,
            title=old.title,
            people=old.members,
            anonymous=old.anonymous,
            lang=caller.team_lang,
            now=caller.services.clock(),
        )
    tell = telling(
        lambda text: caller.client.chat_postMessage(channel=info.starter_id, text=text), info.lang
    )
    caller.services.after_ack.submit(
        lambda: invite(caller.services, caller.client, info, None), tell, team_id=caller.team_id
    )
