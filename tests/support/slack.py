"""A person's requests as Slack sends them, built against the fake Slack Web API: with a
trigger id the fake knows and the response_url it answers at."""

from __future__ import annotations

from typing import Any

from tests.conftest import CHANNEL, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import block_actions, slash_command


def command(
    slack_api: FakeSlackAPI, text: str, user: str = USER, team: str = TEAM, channel: str = CHANNEL
) -> str:
    """``user`` types the slash command with ``text`` in ``channel``."""
    return slash_command(
        text,
        team_id=team,
        user_id=user,
        channel_id=channel,
        trigger_id=slack_api.new_trigger_id(),
        response_url=slack_api.response_url(team, channel),
    )


def click(
    slack_api: FakeSlackAPI,
    action: dict[str, Any],
    user: str = USER,
    channel: str = CHANNEL,
    team: str = TEAM,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
) -> str:
    """``user`` clicks ``action`` in a message in ``channel``, or in ``view`` (a modal or the
    Home tab: Slack sends neither a channel nor a response_url then, and the trigger is that
    view's, for a push)."""
    in_message = view is None
    return block_actions(
        [action],
        team_id=team,
        user_id=user,
        channel_id=channel if in_message else None,
        view=view,
        container=container,
        response_url=slack_api.response_url(team, channel) if in_message else None,
        trigger_id=slack_api.new_trigger_id(None if view is None else view["id"]),
    )


def press(send, slack_api: FakeSlackAPI, action: dict[str, Any], *where: Any, **named: Any):
    """Send ``click``'s request (same arguments after ``action``); Bolt's answer."""
    return send(click(slack_api, action, *where, **named))
