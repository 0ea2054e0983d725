"""End to end through ``python -m bot web`` (gunicorn, Bolt's default mode), with a slow LLM:
Slack gets its ack long before the LLM answers, and the answer still arrives."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.views.assessment import ModalState
from tests.conftest import CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import post_signed, slash_command, view_submission
from tests.support.abuse import running_web_with_llm
from tests.support.answers import HYPED
from tests.support.assessment import radio_values, results_posted, wait_for

LLM_TEXT = "Plug into the grid. Ship the product your customers pay for."
LLM_DELAY = 2.0


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeSlackAPI, FakeOpenAI]]:
    workdir = tmp_path_factory.mktemp("web")
    with running_web_with_llm(workdir, OPENAI_TIMEOUT="10") as (base, fake, openai, log):
        yield base, fake, openai
    assert openai.api_key not in log.read_text()  # running_bot checks Slack's secrets


def test_ask_is_acked_before_the_llm_answers(web) -> None:
    base, fake, openai = web
    openai.behave("slow", delay=LLM_DELAY, content=LLM_TEXT)
    asked = len(openai.requests)
    body = slash_command(
        "ask should we pretrain?",
        team_id=TEAM,
        user_id=USER,
        channel_id=CHANNEL,
        response_url=fake.response_url(TEAM, CHANNEL),
    )
    started = time.monotonic()
    status, _, text = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
    assert status == 200 and time.monotonic() - started < LLM_DELAY / 2
    assert json.loads(text)["text"] == "Thinking about it: _should we pretrain?_"
    [answer] = wait_for(lambda: fake.calls_to("response_url"), seconds=LLM_DELAY + 8)
    assert answer.params["text"] == f"> should we pretrain?\n\n{LLM_TEXT}"
    assert len(openai.requests) == asked + 1


def test_the_last_page_is_acked_before_the_llm_writes(web) -> None:
    base, fake, openai = web
    openai.behave("slow", delay=LLM_DELAY, content=LLM_TEXT)
    state = ModalState(title="Support bot", channel_id=CHANNEL, answers=HYPED, page=3)
    last = {q: HYPED[q] for q in ("product", "time_to_value")}
    body = view_submission(
        "assessment.page",
        radio_values(last),
        team_id=TEAM,
        user_id=USER,
        private_metadata=state.dump(),
    )
    started = time.monotonic()
    status, _, text = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
    assert status == 200 and time.monotonic() - started < LLM_DELAY / 2
    assert json.loads(text) == {"response_action": "clear"}
    assert results_posted(fake) == []
    [post] = wait_for(lambda: results_posted(fake), seconds=LLM_DELAY + 8)
    assert LLM_TEXT in json.dumps(post["blocks"])
    assert post["channel"] == CHANNEL and post["user"] == USER
    assert post["text"] == "Support bot: Wrap an existing model (confidence 95%)"


def test_acks_do_not_wait_for_slow_slack_calls_of_other_requests(web) -> None:
    """Twelve people run ``assess`` at once while Slack takes 3 s per ``views.open``: each ack
    still comes back at once (Bolt's five default listener threads held the sixth back)."""
    base, fake, _ = web
    opened = len(fake.calls_to("views.open"))
    bodies = [
        slash_command(
            "assess",
            team_id=TEAM,
            user_id=USER,
            channel_id=CHANNEL,
            response_url=fake.response_url(TEAM, CHANNEL),
        )
        for _ in range(12)
    ]
    fake.delay("views.open", 3.0, times=len(bodies))

    def ack_seconds(body: str) -> tuple[int, float]:
        started = time.monotonic()
        status, _, _ = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
        return status, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        results = list(pool.map(ack_seconds, bodies))
    assert [status for status, _ in results] == [200] * len(bodies)
    assert max(seconds for _, seconds in results) < 2.0, results
    # Every modal still opens, once Slack answers.
    wait_for(lambda: len(fake.calls_to("views.open")) >= opened + len(bodies) or None, seconds=15)
