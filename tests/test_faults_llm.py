"""The LLM server times out, fails or talks garbage: every ``ask`` still gets offline advice.

End to end: ``python -m bot web`` (gunicorn) with ``OPENAI_*`` aimed at the fake OpenAI server,
``/buildvsbuy ask`` over HTTP from several users at once. The ack comes at once; the answer
comes later through each request's own response_url. Whatever the LLM does, every user gets
the offline answer with the notice that the AI writer is unavailable; none is lost.
tests/test_llm.py covers the client itself; this is the whole path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import CHANNEL, SIGNING_SECRET, TEAM
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import post_signed, slash_command
from tests.support.abuse import assert_clean, running_web_with_llm, wait_until
from tests.support.faults import LLM_FAULTS

USERS = [f"U0ASKER0{n}" for n in range(4)]
# The offline answer's passage for a fine-tuning question, and the notice, read by hand from
# bot/locales/en/ask.toml ([passage.finetune_when]) and advisor.toml ([llm] fallback_notice).
OFFLINE_ANSWER = "Fine-tune only when the numbers force you to:"
NOTICE = "The AI writer is unavailable; here is the offline advice."
FAULTS = LLM_FAULTS


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, FakeSlackAPI, FakeOpenAI]]:
    workdir = tmp_path_factory.mktemp("faults-llm")
    with running_web_with_llm(workdir, USERS, OPENAI_TIMEOUT="1") as (base, fake, llm, _log):
        yield base, fake, llm


def _answers(fake: FakeSlackAPI, marker: str) -> list[str]:
    texts = [str(call.params.get("text", "")) for call in fake.calls_to("response_url")]
    return [text for text in texts if marker in text]


@pytest.mark.parametrize(("mode", "options"), FAULTS, ids=[mode for mode, _ in FAULTS])
def test_every_asker_gets_offline_advice_when_the_llm_fails(
    served, mode: str, options: dict
) -> None:
    base, fake, llm = served
    llm.behave(mode, **options)
    asked_before = len(llm.requests)
    acks: dict[str, tuple[int, float, str]] = {}

    def ask(user: str) -> None:
        marker = f"case-{mode}-{user}"
        body = slash_command(
            f"ask should we fine-tune a model for {marker}?",
            team_id=TEAM,
            user_id=user,
            channel_id=CHANNEL,
            response_url=fake.response_url(TEAM, CHANNEL),
        )
        started = time.monotonic()
        status, _, text = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
        acks[marker] = (status, time.monotonic() - started, text)

    threads = [threading.Thread(target=ask, args=(user,)) for user in USERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for marker, (status, seconds, text) in acks.items():
        assert status == 200, (marker, text)
        assert seconds < 3.0, (marker, seconds)  # acked before the LLM was even asked
        assert_clean(text)
    assert wait_until(lambda: all(_answers(fake, m) for m in acks), seconds=20), {
        m: _answers(fake, m) for m in acks
    }
    assert len(llm.requests) - asked_before == len(USERS)  # the LLM was tried for each
    for marker in acks:
        [answer] = _answers(fake, marker)
        assert OFFLINE_ANSWER in answer
        assert NOTICE in answer
        assert_clean(answer, "the answer")
    assert not fake.invalid


def test_a_working_llm_still_answers_after_the_faults(served) -> None:
    """The app recovers by itself: the faults above left nothing behind."""
    base, fake, llm = served
    llm.behave("normal", content="Plug into the grid, then ship.")
    body = slash_command(
        "ask do we need our own model? case-recovered",
        team_id=TEAM,
        user_id=USERS[0],
        channel_id=CHANNEL,
        response_url=fake.response_url(TEAM, CHANNEL),
    )
    status, _, _ = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
    assert status == 200
    assert wait_until(lambda: _answers(fake, "case-recovered"), seconds=10)
    [answer] = _answers(fake, "case-recovered")
    assert "Plug into the grid, then ship." in answer
    assert NOTICE not in answer
