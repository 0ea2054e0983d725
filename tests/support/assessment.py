"""Helpers for the assessment's Slack tests: walking the modal as Slack would, and waiting for
what the app does after its ack. (No tests here.)"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk import WebClient

import handlers
from tests.conftest import BOT_TOKEN, CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.fakes.blockkit import validate_view
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import (
    button,
    dispatch,
    submitted_view,
    view_submission,
)
from tests.support.slack import command, press

T = TypeVar("T")

PAGES = [
    ["ai_role", "motivation", "differentiation"],
    ["budget", "compute", "talent"],
    ["data", "deployment", "usage_volume"],
    ["product", "time_to_value"],
]  # the four pages of the modal, written out by hand


def wait_for(probe: Callable[[], T], seconds: float = 8.0) -> T:
    """``probe()`` once it is truthy (work done after the ack runs in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        time.sleep(0.02)


def radio_values(answers: dict[str, str], title: str | None = None) -> dict[str, Any]:
    """A modal's ``state.values`` with these radio buttons picked (and the title typed)."""
    values: dict[str, Any] = {
        f"q_{q}": {
            "answer": {
                "type": "radio_buttons",
                "selected_option": {"value": a, "text": {"type": "plain_text", "text": a}},
            }
        }
        for q, a in answers.items()
    }
    if title is not None:
        values["title"] = {"value": {"type": "plain_text_input", "value": title}}
    return values


def open_modal(
    send,
    slack_api: FakeSlackAPI,
    text: str = "assess Support chatbot",
    user: str = USER,
    channel: str = CHANNEL,
) -> dict[str, Any]:
    response = send(command(slack_api, text, user, channel=channel))
    assert response.status == 200
    return slack_api.calls_to("views.open")[-1].params["view"]


def submit(
    send, view: dict[str, Any], answers: dict[str, str], title: str | None = None, user: str = USER
):
    """Submit ``view`` (as the app built it) with ``answers`` picked; returns the response."""
    return send(
        view_submission(
            "assessment.page",
            radio_values(answers, title),
            team_id=TEAM,
            user_id=user,
            private_metadata=view["private_metadata"],
            blocks=view["blocks"],
        )
    )


def next_view(response) -> dict[str, Any]:
    """The view of a ``response_action: update``, checked as Slack would check it."""
    body = json.loads(response.body)
    assert body["response_action"] == "update", body
    assert validate_view(body["view"]) == []
    return body["view"]


def run_modal(
    send,
    slack_api: FakeSlackAPI,
    answers: dict[str, str],
    text: str = "assess Support chatbot",
    user: str = USER,
    channel: str = CHANNEL,
):
    """Open the modal and answer every page; returns the final submission's response."""
    view = open_modal(send, slack_api, text, user, channel)
    return walk_pages(send, view, answers, user=user, title=text.partition(" ")[2])


def walk_pages(
    send, view: dict[str, Any], answers: dict[str, str], user: str = USER, title: str | None = None
):
    """Answer every page from ``view`` on (the title typed on the first); returns the final
    submission's response."""
    for index, page in enumerate(PAGES):
        response = submit(
            send,
            view,
            {q: answers[q] for q in page},
            user=user,
            title=title if index == 0 else None,
        )
        if index < len(PAGES) - 1:
            view = next_view(response)
    return response


def click(
    send,
    slack_api: FakeSlackAPI,
    action_id: str,
    value: str,
    user: str = USER,
    channel: str = CHANNEL,
    team: str = TEAM,
):
    """A click on a button of the ephemeral result message in ``channel``."""
    return press(
        send,
        slack_api,
        button(action_id, value),
        user,
        channel,
        team,
        container={
            "type": "message",
            "message_ts": "1700000000.000200",
            "channel_id": channel,
            "is_ephemeral": True,
        },
    )


def live_view(slack_api: FakeSlackAPI, view: dict[str, Any]) -> dict[str, Any]:
    """Put ``view`` in the fake as Slack holds it after a ``response_action: update`` (same
    modal, new content, new hash) and return it as Slack would send it back in a payload."""
    client = WebClient(token=BOT_TOKEN, base_url=slack_api.base_url)
    stored = client.views_open(trigger_id=slack_api.new_trigger_id(), view=view)["view"]
    return submitted_view(
        "assessment.page",
        {},
        team_id=TEAM,
        view_id=stored["id"],
        private_metadata=stored["private_metadata"],
        blocks=stored["blocks"],
    ) | {"hash": stored["hash"]}


def results_posted(slack_api: FakeSlackAPI, method: str = "chat.postEphemeral") -> list[dict]:
    """Messages carrying a result (they have the Retake button)."""
    return [
        c.params
        for c in slack_api.calls_to(method)
        if "assessment.retake" in json.dumps(c.params.get("blocks") or [])
    ]


def make_send(
    settings_factory,
    slack_api,
    slack_settings,
    services,
    openai_server: FakeOpenAI,
    timeout: float,
    **settings: object,
):
    """The real app with the operator's LLM configured (``slack_settings`` registers the team);
    ``settings`` overrides more of them."""
    from bot.app import create_app

    values: dict[str, object] = {
        "SLACK_API_BASE_URL": slack_api.base_url,
        "OPENAI_API_KEY": openai_server.api_key,
        "OPENAI_BASE_URL": openai_server.base_url,
        "OPENAI_MODEL": "operator-model",
        "OPENAI_ALLOWED_MODELS": "operator-model,team-model",
        "OPENAI_TIMEOUT": timeout,
    }
    services.settings = settings_factory(**{**values, **settings})
    app = create_app(
        services.settings, services, register=handlers.register, process_before_response=True
    )
    return lambda body: dispatch(app, body, secret=SIGNING_SECRET)


def setup_values(
    people: list[str], channel: str | None = None, names: str = "anonymous", days: str = "3"
) -> dict[str, Any]:
    """The team round setup modal's values: the people (or a channel), names, deadline."""
    values: dict = {
        "title": {"value": {"type": "plain_text_input", "value": "Pricing copilot"}},
        "people": {"people": {"type": "multi_users_select", "selected_users": people}},
        "days": {"days": {"type": "static_select", "selected_option": {"value": days}}},
        "names": {"names": {"type": "radio_buttons", "selected_option": {"value": names}}},
    }
    if channel:
        values["channel"] = {
            "channel": {"type": "conversations_select", "selected_conversation": channel}
        }
    return values
