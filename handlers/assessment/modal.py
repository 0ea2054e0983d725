"""Opening the assessment modal: ``/buildvsbuy assess``, Start (Home, revisit) and Retake.

``views.open`` comes right after the ack: the trigger_id dies 3 seconds after the click.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack

from bot.assessment.store import TITLE_MAX, load_assessment
from bot.db import session_scope
from bot.errors import parse_id
from bot.views.assessment import ModalState, answers_from_value
from bot.views.mentions import title_from_value
from handlers.assessment.common import channel_of, open_modal
from handlers.assessment.team import assess_team
from handlers.context import Caller, CommandRequest


def assess(req: CommandRequest) -> None:
    """``/buildvsbuy assess [title]``, or ``assess team [title]`` for a team round."""
    cmd = req.cmd
    first, _, rest = cmd.args.partition(" ")
    if first.lower() == "team":
        assess_team(req, rest)
        return
    req.ack()
    state = ModalState(title=cmd.args[:TITLE_MAX], channel_id=cmd.channel_id)
    open_modal(req.caller, cmd.trigger_id, state)


def start(ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller) -> None:
    """ "Start an assessment": empty, or pre-filled with answers a decision was made on."""
    ack()
    value = action.get("value")
    state = ModalState(
        title=title_from_value(value),  # under a mention's answer: the question
        channel_id=channel_of(body),
        answers=answers_from_value(value),
    )
    open_modal(caller, body["trigger_id"], state, body.get("view"))


def retake(ack: Ack, body: dict[str, Any], action: dict[str, Any], caller: Caller) -> None:
    """Retake: the same title and answers, ready to change. Another team's id is not found."""
    ack()
    with session_scope(caller.services.sessions) as session:
        stored = load_assessment(session, caller.team_id, parse_id(action.get("value")))
    state = ModalState(
        title=stored.title,
        channel_id=channel_of(body) or stored.channel_id or "",
        answers=stored.answers,
    )
    open_modal(caller, body["trigger_id"], state)
