"""One workspace must not slow another down (issue 13.4), through ``python -m bot web`` (and,
for each kind of request turned away, through the app in this process).

Workspace A floods the app while Slack rate-limits it (``users.info`` answers 429 with
``Retry-After: 2``) or while the LLM is slow; workspace B's requests must still be acked in
under a second and its ``ask`` answered as if A were quiet. Before, A's 40 sleeping listeners
held all 32 listener threads and B got Bolt's 404 after 3 s; A's ``ask`` jobs filled the
4-thread post-ack pool and B's answer waited behind all of them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.conftest import CHANNEL, TEAM, USER
from tests.fakes.blockkit import validate_view
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import app_home_opened, slash_command, view_submission
from tests.support.abuse import running_web_with_llm, wait_until
from tests.support.flood import in_threads, post
from tests.support.slack import command

OTHER = "T0OTHERWS"  # workspace B
ASKING = "T0ASKING1"  # workspace A of the LLM flood
OTHER_USER = "U0OTHER01"
FLOODER = "U0FLOOD"  # workspace A's users: U0FLOOD00, U0FLOOD01...
BUSY = "try again in a moment"  # the sentence a flooding workspace gets (issue 13.4)


@dataclass
class Web:
    base: str
    slack: FakeSlackAPI
    llm: FakeOpenAI


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    workdir = tmp_path_factory.mktemp("workspaces-http")
    with running_web_with_llm(workdir) as (base, fake, llm, _log):
        web = Web(base, fake, llm)
        for team, user in ((TEAM, USER), (OTHER, OTHER_USER), (ASKING, USER)):
            status, _, _ = post(base, _command(web, "help", team, user))
            assert status == 200
        yield web


def _command(web: Web, text: str, team: str, user: str) -> str:
    return command(web.slack, text, user, team)


def test_a_rate_limited_flood_leaves_other_workspaces_acks_under_a_second(web: Web) -> None:
    web.slack.fail(
        "users.info",
        retry_after=2,
        times=None,
        where=lambda params: str(params.get("user", "")).startswith(FLOODER),
    )
    flood = in_threads(
        60, lambda n: post(web.base, _command(web, "settings", TEAM, f"{FLOODER}{n:02d}"))
    )
    time.sleep(0.5)  # A's requests have arrived and hold what they can
    other = []
    for _ in range(5):
        status, text, seconds = post(web.base, _command(web, "help", OTHER, OTHER_USER))
        other.append(seconds)
        assert status == 200, text
        assert "/buildvsbuy help" in json.loads(text)["text"]
    flood.join()
    assert max(other) < 1.0, f"workspace B's acks took {other} s during A's flood"
    assert not flood.errors
    statuses = sorted({status for status, _, _ in flood.answers})
    assert statuses == [200], f"workspace A got {statuses}"
    turned_away = [text for _, text, _ in flood.answers if BUSY in text]
    # 60 requests, each sleeping on Retry-After for seconds: most are turned away at once...
    assert len(turned_away) >= 30, len(turned_away)
    assert all(json.loads(text)["response_type"] == "ephemeral" for text in turned_away)
    # ...and every one of them was answered at once, not after queueing behind the others.
    assert max(s for _, text, s in flood.answers if BUSY in text) < 1.0


def test_a_flood_of_slow_llm_questions_leaves_other_workspaces_answered_promptly(
    web: Web,
) -> None:
    web.llm.behave("slow", delay=1.5)
    # One after another, each acked at once: 20 jobs for the post-ack pool within a second.
    flood = [
        post(
            web.base,
            _command(web, f"ask flood question {n}: fine-tune a model?", ASKING, f"{FLOODER}{n}"),
        )
        for n in range(20)
    ]
    assert sorted({status for status, _, _ in flood}) == [200]
    asked = time.monotonic()
    status, _, _ = post(
        web.base, _command(web, "ask why not build it ourselves", OTHER, OTHER_USER)
    )
    assert status == 200
    assert wait_until(
        lambda: any(
            "why not build it ourselves" in str(call.params.get("text"))
            and "Plug into the grid" in str(call.params.get("text"))
            for call in web.slack.calls_to("response_url")
        ),
        seconds=20,
    )
    waited = time.monotonic() - asked
    # One slow LLM call (1.5 s) and no more: A's 20 jobs do not queue in front of B's.
    assert waited < 3.5, f"workspace B's answer took {waited:.1f} s behind A's flood"
    # A runs a bounded share: past it, its people are told at once to try again in a moment
    # (in the ack, or after it when the post-ack queue is full), and nobody is left unanswered.
    busy_acks = sum(1 for _, text, _ in flood if BUSY in text)
    assert wait_until(lambda: llm_answers(web) + busy_acks + busy_later(web) >= 20, seconds=20)
    # 2 running and 8 waiting when the flood ends (a few more if sending took over 1.5 s).
    assert busy_acks + busy_later(web) >= 5, (busy_acks, busy_later(web))
    assert llm_answers(web) <= 15


def llm_answers(web: Web) -> int:
    """A's questions the (slow) LLM answered."""
    return sum(
        1
        for call in web.slack.calls_to("response_url")
        if "flood question" in str(call.params.get("text"))
        and "Plug into the grid" in str(call.params.get("text"))
    )


def busy_later(web: Web) -> int:
    """A's questions turned away after their ack: the post-ack queue was full."""
    return sum(
        1 for call in web.slack.calls_to("response_url") if BUSY in str(call.params.get("text"))
    )


# ------------------------------------------------------------------------- each kind turned away


@pytest.fixture
def team_at_its_share(services) -> Iterator[None]:
    """Every listener thread this workspace may hold is held (by requests still running)."""
    shares = services.listeners.shares
    taken = 0
    while shares.take(TEAM):
        taken += 1
    assert taken == shares.share
    yield
    for _ in range(taken):
        shares.give(TEAM)


def test_past_its_share_each_kind_of_request_is_answered_at_once(
    send, slack_api, team_at_its_share
) -> None:
    """A command gets the sentence; a submitted modal a pushed one over it, so that closing it
    goes back to the form and its answers; an event a 503, for Slack to deliver it again;
    nothing runs. Another workspace is served."""
    command = send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    assert command.status == 200 and BUSY in json.loads(command.body)["text"]
    submitted = send(view_submission("decisions.save", {}, team_id=TEAM, user_id=USER))
    reply = json.loads(submitted.body)
    assert reply["response_action"] == "push"
    assert validate_view(reply["view"]) == []
    assert BUSY in json.dumps(reply["view"])
    event = send(app_home_opened(USER, TEAM))
    assert event.status == 503
    assert [c.method for c in slack_api.calls] in ([], ["auth.test"])  # Bolt's own check
    other = send(slash_command("help", team_id=OTHER, user_id=OTHER_USER, channel_id=CHANNEL))
    assert other.status == 200 and "/buildvsbuy help" in json.loads(other.body)["text"]
