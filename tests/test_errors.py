"""The one error handler: our errors become a sentence, anything else an id to quote."""

from __future__ import annotations

import logging
import re

import pytest
from slack_sdk.errors import SlackApiError

from bot.errors import NotFound
from handlers.context import CommandRequest
from tests.conftest import CHANNEL, TEAM, USER
from tests.slack_requests import slash_command


def _fail_with(error: Exception):
    def run(req: CommandRequest) -> None:
        req.ack()
        raise error

    return run


def _posted_text(slack_api) -> str:
    posts = slack_api.calls_to("response_url")
    assert len(posts) == 1
    assert posts[0].params.get("response_type") == "ephemeral"
    return posts[0].params["text"]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NotFound(), "That item doesn't exist, or it belongs to another workspace."),
        (
            SlackApiError("x", {"ok": False, "error": "not_in_channel"}),
            "I'm not in that channel yet.",
        ),
    ],
)
def test_known_errors_become_a_sentence(app, services, send, slack_api, error, expected) -> None:
    services.subcommands.add("boom", _fail_with(error), "help.help")
    url = slack_api.response_url(TEAM, CHANNEL)
    response = send(
        slash_command("boom", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url)
    )
    assert response.status == 200
    assert _posted_text(slack_api).startswith(expected)


def test_unknown_errors_give_an_id_that_the_log_also_has(
    app, services, send, slack_api, caplog
) -> None:
    services.subcommands.add(
        "boom", _fail_with(RuntimeError("db exploded: secret detail")), "help.help"
    )
    url = slack_api.response_url(TEAM, CHANNEL)
    with caplog.at_level(logging.ERROR):
        send(
            slash_command("boom", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url)
        )
    text = _posted_text(slack_api)
    error_id = re.search(r"error id ([0-9a-f]{8})", text).group(1)
    assert "secret detail" not in text and "Traceback" not in text
    assert any(error_id in record.getMessage() for record in caplog.records)
