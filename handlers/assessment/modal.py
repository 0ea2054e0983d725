"""Opening the assessment modal: ``/buildvsbuy assess``, Start (Home, revisit) and Retake.

``views.open`` comes right after the ack: the trigger_id dies 3 seconds after the click.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.assessment.store import TITLE_MAX, load_assessment
from bot.db import session_scope
from bot.errors import parse_id
from bot.services import Services
from bot.views.assessment import ModalState, answers_from_value, assessment_modal
from handlers.assessment.common import channel_of
from handlers.context import CommandRequest


def open_modal(
    client: WebClient,
    trigger_id: str,
    state: ModalState,
    lang: str,
    from_view: dict[str, Any] | None = None,
) -> None:
    """Open page 1; over an open modal (the revisit one) push it instead, as Slack requires."""
    view = assessment_modal(state, lang)
    if from_view is not None and from_view.get("type") == "modal":
        client.views_push(trigger_id=trigger_id, view=view)
    else:
        client.views_open(trigger_id=trigger_id, view=view)


def assess(req: CommandRequest) -> None:
    """``/buildvsbuy assess [title]``."""
    req.ack()
    cmd = req.cmd
    state = ModalState(title=cmd.args[:TITLE_MAX], channel_id=cmd.channel_id)
    open_modal(req.client, cmd.trigger_id, state, req.lang)


def start(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, lang: str
) -> None:
    """ "Start an assessment": empty, or pre-filled with answers a decision was made on."""
    ack()
    state = ModalState(channel_id=channel_of(body), answers=answers_from_value(action.get("value")))
    open_modal(client, body["trigger_id"], state, lang, body.get("view"))


def retake(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    services: Services,
    lang: str,
    team_id: str,
) -> None:
    """Retake: the same title and answers, ready to change. Another team's id is not found."""
    ack()
    with session_scope(services.sessions) as session:
        stored = load_assessment(session, team_id, parse_id(action.get("value")))
    state = ModalState(
        title=stored.title,
        channel_id=channel_of(body) or stored.channel_id or "",
        answers=stored.answers,
    )
    open_modal(client, body["trigger_id"], state, lang)
