"""The LLM server times out, fails or talks garbage: every ``ask`` still gets offline advice.

End to end: ``python -m bot web`` (gunicorn) with ``OPENAI_*`` aimed at the fake OpenAI server,
``/buildvsbuy ask`` over HTTP from several users at once. The ack comes at once; the answer
comes later through each request's own response_url. Whatever the LLM does, every user gets
the offline answer with the notice that the AI writer is unavailable; none is lost.
tests/test_llm.py covers the client itself; this is the whole path.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.after_ack import TEAM_RUNNING, TEAM_WAITING
from tests.conftest import CHANNEL, SIGNING_SECRET, TEAM
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import post_signed, slash_command
from tests.support.abuse import assert_clean, running_web_with_llm, wait_until
from tests.support.faults import LLM_FAULTS
from tests.support.production import ACK_SECONDS

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
        asked = _ask_at(base, fake, TEAM, user, marker)
        acks[marker] = (asked.status, asked.seconds, asked.text)

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


# ------------------------------------------------------------------ every LLM call hangs

HANG_SECONDS = 8.0  # longer than each test below; OPENAI_TIMEOUT lets the calls hang that long
BUSY = "Lots of requests from your workspace right now"
THINKING = "Thinking about it:"


@pytest.fixture(scope="module")
def hung(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeSlackAPI, Path]]:
    workdir = tmp_path_factory.mktemp("hung-llm")
    with running_web_with_llm(workdir, USERS, OPENAI_TIMEOUT="30") as (base, fake, llm, _log):
        llm.behave("slow", delay=HANG_SECONDS)
        yield base, fake, workdir / "web.db"


@dataclass
class Asked:
    started: float
    seconds: float  # until the ack
    status: int
    text: str


def _ask_at(base: str, fake: FakeSlackAPI, team: str, user: str, marker: str) -> Asked:
    body = slash_command(
        f"ask should we fine-tune a model for {marker}?",
        team_id=team,
        user_id=user,
        channel_id=CHANNEL,
        response_url=fake.response_url(team, CHANNEL),
    )
    started = time.monotonic()
    status, _, text = post_signed(f"{base}/slack/events", body, secret=SIGNING_SECRET)
    return Asked(started, time.monotonic() - started, status, text)


def test_the_ack_never_waits_for_the_llm_call_count(hung) -> None:
    """The call is counted against the workspace's daily limit when it is made, after the ack:
    while another writer holds the database, an ``ask`` is still acked at once."""
    base, fake, database = hung
    warm = _ask_at(base, fake, TEAM, USERS[0], "case-warm")  # the workspace's rows exist
    assert warm.status == 200, warm.text
    holder = sqlite3.connect(database, timeout=10, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held for the whole ask
        asked = _ask_at(base, fake, TEAM, USERS[0], "case-locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert asked.status == 200, asked.text
    assert asked.seconds < ACK_SECONDS, asked.seconds
    assert THINKING in asked.text


def test_past_the_queue_asks_are_acked_and_told_at_once_while_the_llm_hangs(hung) -> None:
    """Three workspaces ask 14 times each at once; every LLM call hangs and Slack takes 1 s per
    response_url post. Each workspace has its calls running and waiting (bot.after_ack); its
    other asks are told it is busy. Every ask is acked within Slack's 3 s, and each refusal
    reaches its person within seconds: telling one never waits for telling another."""
    base, fake, _ = hung
    teams = ["T0HUNG0001", "T0HUNG0002", "T0HUNG0003"]
    accepted, each = TEAM_RUNNING + TEAM_WAITING, 14
    refusals = len(teams) * (each - accepted)
    fake.delay("response_url", 1.0, times=refusals)
    asked: dict[str, Asked] = {}

    def ask(team: str, n: int) -> None:
        marker = f"case-burst-{team}-{n}"
        asked[marker] = _ask_at(base, fake, team, USERS[n % len(USERS)], marker)

    threads = [threading.Thread(target=ask, args=(t, n)) for t in teams for n in range(each)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(a.status == 200 for a in asked.values()), asked
    slowest = max(a.seconds for a in asked.values())
    assert slowest < ACK_SECONDS, slowest
    started = min(a.started for a in asked.values())

    def told_busy(team: str) -> int:
        in_acks = sum(BUSY in a.text for m, a in asked.items() if team in m)
        posted = fake.calls_to("response_url")
        return in_acks + sum(BUSY in str(c.params.get("text")) for c in posted if c.team_id == team)

    # In the ack or through response_url, each refused person is told within 5 s of the burst
    # (told one after another, the refusals took a second each).
    wait_until(
        lambda: sum(map(told_busy, teams)) >= refusals, seconds=5 - (time.monotonic() - started)
    )
    assert [told_busy(team) for team in teams] == [each - accepted] * len(teams)
    assert all(THINKING in a.text or BUSY in a.text for a in asked.values()), asked
    # Other requests are still acked at once while their calls hang and wait.
    other = _ask_at(base, fake, "T0HUNG0004", USERS[0], "case-after")
    assert other.status == 200 and other.seconds < ACK_SECONDS, other
