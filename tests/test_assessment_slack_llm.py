"""The LLM narrative in Slack, against a local OpenAI-compatible server: written after the ack,
shown when it works, replaced by the offline advice (and one line saying so) when it does not."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.assessment.advice import narrative, to_json
from bot.assessment.engine import score_answers
from bot.models import AssessmentRow
from bot.workspaces import team_settings
from tests.conftest import CHANNEL, TEAM
from tests.support.answers import HYPED
from tests.support.assessment import results_posted, run_modal, wait_for
from tests.support.faults import LLM_FAULTS, NOT_ADVICE

LLM_TEXT = "*Wrap it.* Plug into the grid, ship the product. Tell your investors: product first."
NOTICE = "The AI writer is unavailable; here is the offline advice."


@pytest.fixture
def llm_send(send_with_llm):
    return send_with_llm(1.0)


def _stored(session) -> AssessmentRow:
    session.expire_all()
    return session.scalars(select(AssessmentRow)).one()


def _result(slack_api) -> dict:
    [post] = wait_for(lambda: results_posted(slack_api))
    return post


def test_the_llm_writes_the_narrative_and_nothing_else(llm_send, slack_api, openai_server, session):
    openai_server.behave("normal", content=LLM_TEXT)
    response = run_modal(llm_send, slack_api, HYPED)
    assert json.loads(response.body) == {"response_action": "clear"}
    post = _result(slack_api)
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "*The advisor's take.*\\n" + LLM_TEXT in text
    assert NOTICE not in text
    # The user was told at once that the result is coming.
    working = slack_api.calls_to("chat.postEphemeral")[0].params["text"]
    assert working.startswith("Scored. The advisor is writing it up")
    row = _stored(session)
    assert (row.result["advice"], row.result["narrative"]) == (LLM_TEXT, "llm")
    # Verdict, scores and flags are the engine's, whatever the LLM says.
    engine = to_json(score_answers(HYPED), "en")
    assert row.verdict == row.result["verdict"] == "wrap"
    for key in ("confidence", "scores", "red_flags", "reasons", "next_steps"):
        assert row.result[key] == engine[key], key
    [request] = openai_server.requests
    assert request.body["model"] == "operator-model"
    sent = json.loads(request.body["messages"][1]["content"])
    assert sent["verdict"] == "wrap"


def test_the_llm_text_cannot_ping_the_channel(llm_send, slack_api, openai_server):
    openai_server.behave("normal", content="<!channel> read this & <https://evil.example|click>")
    run_modal(llm_send, slack_api, HYPED)
    text = json.dumps(_result(slack_api)["blocks"])
    assert "<!channel>" not in text and "<https://evil" not in text
    # Slack reads a mention or a link only between < and >: they come as look-alikes (13.7).
    assert r"\u2039!channel\u203a read this &amp; \u2039https://evil.example|click\u203a" in text


FAILURES = [*LLM_FAULTS, NOT_ADVICE]


@pytest.mark.parametrize(
    ("mode", "options"),
    FAILURES,
    ids=["slow", "500", "429", "garbage", "empty", "no-choices", "json"],
)
def test_every_llm_failure_still_gives_advice_and_says_so(
    llm_send, slack_api, openai_server, session, mode, options
):
    openai_server.behave(mode, **options)
    started = time.monotonic()
    response = run_modal(llm_send, slack_api, HYPED)
    # Four pages; none waited on the LLM, which answers after 4 s when slow (a loaded machine
    # took 2.05 s for the pages alone).
    assert time.monotonic() - started < 3.5
    assert json.loads(response.body) == {"response_action": "clear"}
    post = _result(slack_api)
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert NOTICE in text
    assert "Pick one provider and one model" in text  # the offline steps, not the LLM's
    assert "The advisor's take" not in text
    row = _stored(session)
    assert row.result["narrative"] == "offline"
    assert row.result["advice"] == narrative(score_answers(HYPED), "en")
    assert row.verdict == "wrap"
    assert len(openai_server.requests) == 1  # one attempt, no retry


def test_the_ack_never_waits_for_the_llm(send_with_llm, slack_api, openai_server, session):
    # The server takes 2.5 s and the client would wait 5: the answer is good, but late.
    send = send_with_llm(5.0)
    openai_server.behave("slow", delay=2.5, content=LLM_TEXT)
    started = time.monotonic()
    response = run_modal(send, slack_api, HYPED)
    acked = time.monotonic() - started
    assert json.loads(response.body) == {"response_action": "clear"}
    assert acked < 1.5
    assert results_posted(slack_api) == []  # the LLM had not answered when Slack got its ack
    post = _result(slack_api)
    assert time.monotonic() - started >= 2.5
    assert LLM_TEXT in json.dumps(post["blocks"], ensure_ascii=False)
    assert len(openai_server.requests) == 1


def test_a_team_that_turned_the_llm_off_gets_offline_advice(
    llm_send, slack_api, openai_server, session
):
    team_settings(session, TEAM).llm_enabled = False
    session.commit()
    run_modal(llm_send, slack_api, HYPED)
    [post] = results_posted(slack_api)  # posted before the response: nothing ran in background
    assert NOTICE not in json.dumps(post["blocks"])
    assert openai_server.requests == []


def test_the_teams_model_is_used(llm_send, slack_api, openai_server, session):
    team_settings(session, TEAM).llm_model = "team-model"
    session.commit()
    openai_server.behave("normal", content=LLM_TEXT)
    run_modal(llm_send, slack_api, HYPED)
    _result(slack_api)
    assert [r.body["model"] for r in openai_server.requests] == ["team-model"]


def test_a_slack_failure_after_the_llm_is_told_to_the_user(
    llm_send, slack_api, openai_server, session
):
    team_settings(session, TEAM).result_visibility = "channel"
    session.commit()
    openai_server.behave("normal", content=LLM_TEXT)
    slack_api.fail("chat.postMessage", "internal_error")  # the result, posted in the background
    run_modal(llm_send, slack_api, HYPED)
    told = wait_for(
        lambda: [
            c.params["text"]
            for c in slack_api.calls_to("chat.postEphemeral")
            if "Something went wrong" in c.params.get("text", "")
        ]
    )
    assert told[0].startswith("Something went wrong on our side (error id ")
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")] == [CHANNEL]


# ------------------------------------------------------------------------- the terminal


def _run_cli(monkeypatch, capsys, answers: dict[str, str]) -> tuple[int, dict, str]:
    import io

    import bot.db
    import bot.services
    from bot.cli import main

    def no_engine(*args, **kwargs):
        raise AssertionError("the terminal assessment must not open a database")

    monkeypatch.setattr(bot.db, "make_engine", no_engine)
    monkeypatch.setattr(bot.services, "make_engine", no_engine)
    monkeypatch.chdir(Path(__file__).parent)  # no stray .env
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(answers)))
    code = main(["assess", "--answers", "-", "--format", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_python_m_bot_assess_uses_the_operators_llm(monkeypatch, capsys, openai_server):
    monkeypatch.setenv("OPENAI_API_KEY", openai_server.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_MODEL", "terminal-model")
    openai_server.behave("normal", content=LLM_TEXT)
    code, printed, err = _run_cli(monkeypatch, capsys, HYPED)
    assert (code, err) == (0, "")
    assert printed["advice"] == LLM_TEXT and printed["verdict"] == "wrap"
    assert [r.body["model"] for r in openai_server.requests] == ["terminal-model"]


def test_python_m_bot_assess_without_a_key_is_offline(monkeypatch, capsys):
    code, printed, err = _run_cli(monkeypatch, capsys, HYPED)
    assert (code, err) == (0, "")
    assert printed["advice"] == narrative(score_answers(HYPED), "en")
