"""A workspace admin must not control the operator's LLM bill, nor the model's words a user's
screen (issue 13.7), against the fake OpenAI server through signed requests.

The operator lists the models admins may pick (``OPENAI_ALLOWED_MODELS``); every call asks for
at most ``OPENAI_MAX_TOKENS``; the clients kept per model are bounded; whatever the model
answers cannot ping a channel, a person or spoof a link, and its length is bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete

from bot.config import ConfigError, load_settings
from bot.db import make_session_factory, session_scope
from bot.models import LlmUsage, TeamSettings, Workspace
from bot.workspaces import ensure_workspace, take_llm_call, team_settings
from tests.conftest import CHANNEL, TEAM, USER
from tests.slack_requests import slash_command
from tests.support.abuse import ROOT
from tests.support.answers import HYPED
from tests.support.assessment import results_posted, run_modal, wait_for
from tests.support.clock import Clock
from tests.support.settings import block, errors_of, open_modal, submit

QUESTION = "Should we fine-tune Llama on our support tickets?"
MAX_TOKENS = 321
MODELS = "operator-model,team-model"


@pytest.fixture
def llm_send(send_with_llm):
    return send_with_llm(5.0, OPENAI_MAX_TOKENS=MAX_TOKENS, OPENAI_ALLOWED_MODELS=MODELS)


def _ask(send, slack_api, question: str = QUESTION) -> str:
    """The LLM's (or the offline) answer that follows the thinking ack."""
    before = len(slack_api.calls_to("response_url"))
    url = slack_api.response_url(TEAM, CHANNEL)
    send(
        slash_command(
            f"ask {question}", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url
        )
    )
    [answer] = wait_for(lambda: slack_api.calls_to("response_url")[before:] or None)
    return str(answer.params["text"])


# ------------------------------------------------------------------------- the operator's models


@pytest.mark.parametrize(
    "settings",
    [
        {"OPENAI_ALLOWED_MODELS": "gpt-4.1,o3"},  # the default model is not among them
        {"OPENAI_ALLOWED_MODELS": "gpt-4o-mini,not a model"},
        {"OPENAI_ALLOWED_MODELS": " , "},
        {"OPENAI_MAX_TOKENS": "0"},
        {"OPENAI_MAX_TOKENS": "a lot"},
    ],
)
def test_a_bad_setting_is_one_line_naming_it(settings: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None, OPENAI_API_KEY="sk-x", **settings)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"config error: {next(iter(settings))} ")


def test_the_web_process_refuses_to_start_on_a_bad_model_list(tmp_path: Path) -> None:
    """The operator's view: ``python -m bot web`` exits 2 with one line naming the setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        PYTHONPATH=str(ROOT),
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        OPENAI_API_KEY="sk-x",
        OPENAI_MODEL="gpt-4o-mini",
        OPENAI_ALLOWED_MODELS="gpt-4.1,o3",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "web"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(
        "config error: OPENAI_ALLOWED_MODELS does not list OPENAI_MODEL"
    )
    assert "Traceback" not in result.stderr


def test_an_admin_can_only_pick_a_model_the_operator_allows(
    llm_send, slack_api, session, services
) -> None:
    view = open_modal(llm_send, slack_api)
    assert "operator-model, team-model" in block(view, "llm_model")["hint"]["text"]
    errors = errors_of(submit(llm_send, view, llm_model="gpt-5-pro-expensive"))
    assert errors == {
        "llm_model": "That model isn't allowed here. Pick one of: "
        + MODELS.replace(",", ", ")
        + "."
    }
    assert (
        session.get(TeamSettings, TEAM) is None or session.get(TeamSettings, TEAM).llm_model is None
    )
    submit(llm_send, view, llm_model="team-model")
    session.expire_all()
    assert team_settings(session, TEAM).llm_model == "team-model"


def test_a_model_stored_before_the_list_is_not_used(
    llm_send, slack_api, session, openai_server
) -> None:
    team_settings(session, TEAM).llm_model = "gpt-5-pro-expensive"  # chosen before the list
    session.commit()
    _ask(llm_send, slack_api)
    assert [r.body["model"] for r in openai_server.requests] == ["operator-model"]


def test_every_call_asks_for_at_most_the_operators_max_tokens(
    llm_send, slack_api, openai_server
) -> None:
    _ask(llm_send, slack_api)
    _ask(llm_send, slack_api, "Should we pretrain our own foundation model?")
    assert len(openai_server.requests) == 2
    assert [r.body.get("max_tokens") for r in openai_server.requests] == [MAX_TOKENS] * 2


def test_the_clients_kept_are_bounded_whatever_models_are_asked_for(settings_factory) -> None:
    from bot.services import Services

    names = [f"model-{n}" for n in range(40)]
    settings = settings_factory(
        OPENAI_API_KEY="sk-x", OPENAI_MODEL=names[0], OPENAI_ALLOWED_MODELS=",".join(names)
    )
    services = Services.from_settings(settings)
    try:
        clients = [services.llm(name) for name in names + [f"typed-{n}" for n in range(500)]]
        assert [c.model for c in clients[:40] if c is not None] == names
        # An unlisted name gets the operator's model, never a client of its own.
        assert {c.model for c in clients[40:] if c is not None} == {names[0]}
        assert len(services._llm_clients) <= 8
    finally:
        services.engine.dispose()


# ------------------------------------------------------------------------- the model's words


HOSTILE = (
    "<!channel> <!here> <!subteam^S0123|@admins> <@U0123ADMN> wire the money to "
    "<https://evil.example/login|your bank> \u202eevil\u202c "
)


def test_llm_output_cannot_ping_spoof_a_link_or_flood(llm_send, slack_api, openai_server) -> None:
    openai_server.behave("normal", content=HOSTILE + "Plug into the grid. " * 2000)
    text = _ask(llm_send, slack_api)
    for forbidden in ("<!channel>", "<!here>", "<!subteam", "<@U0123ADMN>", "<https://evil"):
        assert forbidden not in text
    assert "\u202e" not in text
    assert "Plug into the grid." in text
    assert len(text) <= 3000  # the answer, bounded, and the question quoted above it
    everything = json.dumps([c.params for c in slack_api.calls])
    assert "<!channel>" not in everything and "<https://evil" not in everything


# ------------------------------------------------------------------------- the daily limit

QUOTA = "This workspace has used all of today's AI answers"  # the catalog's sentence (en)


def test_past_the_daily_limit_the_offline_advisor_answers_and_says_so(
    send_with_llm, slack_api, services, openai_server
) -> None:
    send = send_with_llm(5.0, LLM_DAILY_CALLS_PER_TEAM=2)
    services.clock = Clock(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))
    openai_server.behave("normal", content="Plug into the grid, says the LLM.")
    answers = [_ask(send, slack_api) for _ in range(3)]
    assert len(openai_server.requests) == 2  # the third call was never sent
    assert all("says the LLM" in a and QUOTA not in a for a in answers[:2])
    assert "says the LLM" not in answers[2] and QUOTA in answers[2]
    assert "retrieval" in answers[2]  # the offline advisor's own answer
    # The assessment's narrative counts too, and is told the same way.
    run_modal(send, slack_api, HYPED)
    [card] = wait_for(lambda: results_posted(slack_api) or None)
    card = json.dumps(card)
    assert QUOTA in card and len(openai_server.requests) == 2
    services.clock.advance(hours=2)  # a new UTC day
    assert "says the LLM" in _ask(send, slack_api)
    assert len(openai_server.requests) == 3


def test_the_count_is_atomic_under_concurrent_calls(
    db_name: str, migrated_urls: dict[str, str]
) -> None:
    """Twenty threads, each with its own connection, race for a limit of 5: exactly 5 win."""
    engine = create_engine(migrated_urls[db_name])
    sessions = make_session_factory(engine)
    team, day = "T0ATOMIC1", date(2026, 12, 1)
    with session_scope(sessions, write=True) as session:
        ensure_workspace(session, team)
    try:
        start = threading.Barrier(20)
        won: list[bool] = []

        def call() -> None:
            start.wait()
            won.append(take_llm_call(sessions, team, day, 5))

        threads = [threading.Thread(target=call) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(won) == [False] * 15 + [True] * 5
        with session_scope(sessions) as session:
            assert session.get(LlmUsage, (team, day)).calls == 5
    finally:
        with session_scope(sessions, write=True) as session:
            session.execute(delete(Workspace).where(Workspace.team_id == team))
        engine.dispose()
