"""How long a call may sleep on Slack's Retry-After (issue 13.4): a person's request waits once
at most, ``INTERACTIVE_WAIT`` in all, then is told Slack is busy; a job may wait twice."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.messaging.client import INTERACTIVE_WAIT, WORKER_WAIT, error_code, make_web_client
from tests.conftest import BOT_TOKEN, USER


def test_a_persons_request_sleeps_on_retry_after_once_at_most(slack_settings, slack_api) -> None:
    client = make_web_client(slack_settings, token=BOT_TOKEN)
    slack_api.fail("users.info", retry_after=INTERACTIVE_WAIT, times=None)
    started = time.monotonic()
    with pytest.raises(SlackApiError) as busy:
        client.users_info(user=USER)
    slept = time.monotonic() - started
    assert error_code(busy.value) == "ratelimited"
    assert len(slack_api.calls_to("users.info")) == 2  # the call, and one try after the wait
    assert INTERACTIVE_WAIT <= slept < INTERACTIVE_WAIT + 1.5


def test_a_job_waits_twice(slack_settings, slack_api) -> None:
    client = make_web_client(slack_settings, token=BOT_TOKEN, max_wait=WORKER_WAIT)
    slack_api.fail("users.info", retry_after=1, times=2)
    assert client.users_info(user=USER)["ok"]
    assert len(slack_api.calls_to("users.info")) == 3
