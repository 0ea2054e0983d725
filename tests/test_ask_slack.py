"""``/buildvsbuy ask`` through signed requests: offline in the ack itself, or the LLM after it."""

from __future__ import annotations

import json
import time

import pytest

from bot.workspaces import team_settings
from tests.conftest import CHANNEL, TEAM, USER
from tests.slack_requests import slash_command
from tests.support.assessment import make_send, wait_for

QUESTION = "Should we fine-tune Llama on our support tickets?"
NOTICE = "The AI writer is unavailable; here is the offline advice."
LLM_TEXT = "Don't. Retrieval first, an evaluation set second, a fine-tune only if the numbers beg."


def _ask(send, slack_api, text: str):
    return send(
        slash_command(
            text,
            team_id=TEAM,
            user_id=USER,
            channel_id=CHANNEL,
            response_url=slack_api.response_url(TEAM, CHANNEL),
        )
    )


def test_offline_answer_comes_in_the_ack(send, slack_api):
    body = json.loads(_ask(send, slack_api, f"ask {QUESTION}").body)
    assert body["response_type"] == "ephemeral"
    text = body["text"]
    assert text.startswith(f"> {QUESTION}\n\n")
    # "fine-tune" and "Llama" match the fine-tuning and the open-weights topics, in that order.
    tune = text.index("Fine-tune only when the numbers force you to.")
    weights = text.index("Open weights are the grid too")
    assert tune < weights
    assert text.endswith("Want a verdict for your own team? Run the assessment.")
    assert slack_api.calls_to("response_url") == []


def test_empty_question_gets_the_usage_with_examples(send, slack_api):
    body = json.loads(_ask(send, slack_api, "ask").body)
    assert body["text"].startswith("Ask me anything about building versus buying AI.")
    assert "`ask should we fine-tune an open-weight model on our support tickets?`" in body["text"]


def test_ask_speaks_the_workspace_language(send, slack_api, session):
    team_settings(session, TEAM).language = "fr"
    session.commit()
    text = json.loads(
        _ask(send, slack_api, "ask faut-il pré-entraîner notre propre modèle ?").body
    )["text"]
    assert text.startswith("> faut-il pré-entraîner notre propre modèle ?")
    assert "Pré-entraîner votre propre modèle de base, c'est une mission" in text
    assert json.loads(_ask(send, slack_api, "ask").body)["text"].startswith(
        "Posez-moi n'importe quelle question"
    )


def test_user_text_is_escaped(send, slack_api):
    text = json.loads(_ask(send, slack_api, "ask <!channel> should we buy?").body)["text"]
    assert text.startswith("> &lt;!channel&gt; should we buy?")


# ------------------------------------------------------------------------- with the LLM


@pytest.fixture
def llm_send(settings_factory, slack_api, slack_settings, services, openai_server):
    return make_send(settings_factory, slack_api, slack_settings, services, openai_server, 1.0)


def test_the_llm_answers_after_a_thinking_ack(
    settings_factory, slack_api, slack_settings, services, openai_server
):
    send = make_send(settings_factory, slack_api, slack_settings, services, openai_server, 5.0)
    openai_server.behave("slow", delay=2.0, content=LLM_TEXT)
    started = time.monotonic()
    body = json.loads(_ask(send, slack_api, f"ask {QUESTION}").body)
    assert time.monotonic() - started < 1.0
    assert body == {"response_type": "ephemeral", "text": f"Thinking about it: _{QUESTION}_"}
    [answer] = wait_for(lambda: slack_api.calls_to("response_url"))
    assert time.monotonic() - started >= 2.0
    assert answer.params["text"] == f"> {QUESTION}\n\n{LLM_TEXT}"
    assert answer.params["response_type"] == "ephemeral"
    [request] = openai_server.requests
    assert request.body["messages"][1]["content"] == QUESTION


@pytest.mark.parametrize(
    ("mode", "options"),
    [
        ("slow", {"delay": 4.0}),
        ("error_500", {}),
        ("rate_limited", {"retry_after": 30}),
        ("garbage", {}),
        ("empty", {}),
    ],
    ids=["slow", "500", "429", "garbage", "empty"],
)
def test_llm_failures_fall_back_to_the_offline_answer(
    llm_send, slack_api, openai_server, mode, options
):
    openai_server.behave(mode, **options)
    body = json.loads(_ask(llm_send, slack_api, f"ask {QUESTION}").body)
    assert body["text"].startswith("Thinking about it")
    [answer] = wait_for(lambda: slack_api.calls_to("response_url"))
    text = answer.params["text"]
    assert "Fine-tune only when the numbers force you to." in text
    assert text.endswith(f"_{NOTICE}_")


def test_empty_question_never_calls_the_llm(llm_send, slack_api, openai_server):
    body = json.loads(_ask(llm_send, slack_api, "ask   ").body)
    assert body["text"].startswith("Ask me anything")
    assert openai_server.requests == []
