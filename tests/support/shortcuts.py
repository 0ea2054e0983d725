"""Helpers for the shortcut and mention tests (no tests here): conversations in the fake
Slack, and the shortcut requests made from them."""

from __future__ import annotations

from typing import Any

from tests.conftest import CHANNEL, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import message_shortcut

LOG_AS_DECISION = "decisions.from_message"
ASSESS_THIS = "assessment.from_message"
START_ASSESSMENT = "assessment.shortcut"
SOMEONE = "U0123SOME"  # a third person in the thread
OTHER_BOT = "B0OTHERBOT"


def thread(
    slack_api: FakeSlackAPI, parent: str, *replies: tuple[str, str], channel: str = CHANNEL
) -> tuple[str, list[str]]:
    """A thread written by people: ``parent`` by USER, then (user, text) replies; the ts's."""
    root = slack_api.add_message(TEAM, channel, USER, parent)
    reply_ts = [
        slack_api.add_message(TEAM, channel, user, text, thread_ts=root) for user, text in replies
    ]
    return root, reply_ts


def shortcut_on(
    slack_api: FakeSlackAPI,
    callback: str,
    ts: str,
    *,
    channel: str = CHANNEL,
    user: str = USER,
) -> str:
    """The message shortcut ``callback`` used on the message ``ts`` (as Slack holds it)."""
    message: dict[str, Any] | None = slack_api.message(channel, ts)
    assert message is not None
    return message_shortcut(
        callback,
        message,
        team_id=TEAM,
        user_id=user,
        channel_id=channel,
        trigger_id=slack_api.new_trigger_id(),
    )


def opened_view(slack_api: FakeSlackAPI, callback: str) -> dict[str, Any]:
    [call] = [
        c for c in slack_api.calls_to("views.open") if c.params["view"]["callback_id"] == callback
    ]
    return call.params["view"]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def initial(view: dict[str, Any], block_id: str) -> Any:
    element = block(view, block_id)["element"]
    return element.get("initial_value", element.get("initial_users"))
