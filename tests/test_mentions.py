"""``@Build-vs-Buy …`` through signed Events API requests: answered in the thread by the same
advisor as ``/buildvsbuy ask``, the thread read as context, bots ignored, retries answered once,
a failure told in the thread; English and French."""

from __future__ import annotations

import json

import pytest

from bot.after_ack import AfterAck
from bot.workspaces import team_settings
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, TEAM, USER
from tests.slack_requests import app_mention, block_actions, button, slash_command
from tests.support.assessment import wait_for
from tests.support.shortcuts import SOMEONE, thread

BOT = "U0BOT0001"  # the bot user of the team in conftest's slack_settings
QUESTION = "should we fine-tune Llama for support triage?"
QUESTION_FR = "faut-il affiner Llama pour trier les demandes du support ?"
GENERIC_ERROR = "Something went wrong on our side"
BUSY = "Lots of requests from your workspace right now"


@pytest.fixture(autouse=True)
def people(slack_settings, slack_api) -> None:
    slack_api.add_user(TEAM, SOMEONE, name="sam")


def _mention(slack_api, text: str, *, user: str = USER, thread_ts: str | None = None, **kw):
    ts = slack_api.add_message(TEAM, CHANNEL, user, text, thread_ts=thread_ts)
    body = app_mention(
        text, team_id=TEAM, user_id=user, channel_id=CHANNEL, ts=ts, thread_ts=thread_ts, **kw
    )
    return ts, body


def _ask_answer(send, slack_api, question: str) -> str:
    """What ``/buildvsbuy ask`` answers (offline: in its ack)."""
    url = slack_api.response_url(TEAM, CHANNEL)
    body = slash_command(
        f"ask {question}", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url
    )
    return json.loads(send(body).body)["text"]


def _replies(slack_api) -> list:
    return [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts")]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_mention_is_answered_in_its_thread_like_ask(send, slack_api, session, lang):
    if lang == "fr":
        team_settings(session, TEAM).language = "fr"
        session.commit()
    question = QUESTION_FR if lang == "fr" else QUESTION
    ts, body = _mention(slack_api, f"<@{BOT}> {question}")
    assert send(body).status == 200
    [reply] = _replies(slack_api)
    assert (reply.params["channel"], reply.params["thread_ts"]) == (CHANNEL, ts)
    assert reply.params["text"] == _ask_answer(send, slack_api, question)
    blocks = reply.params["blocks"]
    buttons = [e["action_id"] for e in blocks[-1]["elements"]]
    assert buttons == ["assessment.start", "decisions.log"]
    labels = [e["text"]["text"] for e in blocks[-1]["elements"]]
    expected = (
        ["Lancer l'évaluation", "Noter une décision"]
        if lang == "fr"
        else ["Run the assessment", "Log a decision"]
    )
    assert labels == expected


def test_a_mention_in_a_thread_reads_the_thread(send, slack_api):
    root, _ = thread(
        slack_api,
        "Finance wants us to buy 2,000 H100 GPUs and train our own model",
        (SOMEONE, "That is a cluster for years, not a quarter."),
    )
    alone = _ask_answer(send, slack_api, "what do you think?")
    ts, body = _mention(slack_api, f"<@{BOT}> what do you think?", user=ADMIN, thread_ts=root)
    send(body)
    [read] = slack_api.calls_to("conversations.replies")
    assert (read.params["channel"], read.params["ts"]) == (CHANNEL, root)
    [reply] = _replies(slack_api)
    assert reply.params["thread_ts"] == root  # the thread's, not under the mention
    text = reply.params["text"]
    assert "GPU" in text and text != alone  # the thread was the context
    assert "H100" not in text.split("\n\n", 1)[0]  # the question quoted is the person's


def test_an_empty_mention_gets_the_usage(send, slack_api):
    ts, body = _mention(slack_api, f"<@{BOT}>")
    send(body)
    [reply] = _replies(slack_api)
    assert reply.params["text"].startswith("Ask me after the mention")
    assert reply.params["thread_ts"] == ts


def test_bots_are_never_answered(send, slack_api):
    _, body = _mention(slack_api, f"<@{BOT}> {QUESTION}", user="U0OTHERBOT", bot_id="B0OTHER")
    assert send(body).status == 200
    assert slack_api.calls_to("chat.postMessage") == []


def test_a_retried_event_is_answered_once(send, slack_api):
    _, body = _mention(slack_api, f"<@{BOT}> {QUESTION}", event_id="Ev0MENTION1")
    assert send(body).status == 200
    retry = send(body, extra_headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"})
    assert retry.status == 200
    assert len(_replies(slack_api)) == 1


def test_log_a_decision_under_the_answer_belongs_to_the_thread(send, slack_api):
    ts, body = _mention(slack_api, f"<@{BOT}> {QUESTION}")
    send(body)
    [reply] = _replies(slack_api)
    answer_ts = slack_api.calls_to("chat.postMessage")[0].params["thread_ts"]
    click = block_actions(
        [button("decisions.log", "", block_id="mention")],
        team_id=TEAM,
        user_id=USER,
        channel_id=CHANNEL,
        container={
            "type": "message",
            "message_ts": "1700000000.000200",
            "channel_id": CHANNEL,
            "is_ephemeral": False,
            "thread_ts": answer_ts,
        },
        trigger_id=slack_api.new_trigger_id(),
    )
    send(click)
    [opened] = slack_api.calls_to("views.open")
    view = opened.params["view"]
    meta = json.loads(view["private_metadata"])
    assert meta["t"] == ts
    # Pre-filled from the thread: the question without the mention, its asker; not the bot.
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b.get("block_id")}
    assert fields["title"]["initial_value"] == QUESTION
    assert fields["participants"]["initial_users"] == [USER]
    assert meta["l"].endswith(f"/archives/{CHANNEL}/p{ts.replace('.', '')}")


# ------------------------------------------------------------------------- with the LLM

LLM_TEXT = "Wrap first. Fine-tune only when a real evaluation set says so."


@pytest.fixture
def llm_send(send_with_llm):
    return send_with_llm(2.0)


def test_with_the_llm_thinking_then_the_answer(llm_send, slack_api, openai_server):
    openai_server.behave("normal", content=LLM_TEXT)
    ts, body = _mention(slack_api, f"<@{BOT}> {QUESTION}")
    llm_send(body)
    [thinking] = _replies(slack_api)
    assert thinking.params["text"].startswith("Thinking about it")
    [update] = wait_for(lambda: slack_api.calls_to("chat.update"))
    assert LLM_TEXT in update.params["text"]
    assert update.params["blocks"][-1]["type"] == "actions"


def test_a_workspace_mentioning_the_bot_holds_only_its_own_share_of_the_llm(
    send_with_llm, slack_api, openai_server, services
):
    """With one LLM call per workspace at a time and none waiting, a workspace whose call hangs
    is told it is busy; another workspace's mention is answered meanwhile."""
    send = send_with_llm(5.0)
    services.after_ack = AfterAck(team_running=1, team_waiting=0)
    openai_server.behave("slow", delay=1.5, content=LLM_TEXT)
    threads = []
    for team in (TEAM, TEAM, OTHER_TEAM):
        ts = slack_api.add_message(TEAM, CHANNEL, USER, f"<@{BOT}> {QUESTION}")
        send(
            app_mention(
                f"<@{BOT}> {QUESTION}", team_id=team, user_id=USER, channel_id=CHANNEL, ts=ts
            )
        )
        threads.append(ts)

    def in_thread(ts: str) -> list[str]:
        posted = slack_api.calls_to("chat.postMessage")
        return [c.params["text"] for c in posted if c.params.get("thread_ts") == ts]

    first, refused, other = threads
    assert [BUSY in text for text in in_thread(refused)] == [False, True]  # thinking, then busy
    assert [BUSY in text for text in in_thread(other)] == [False]
    # The thinking replies of the first and the other workspace become their answers.
    wait_for(
        lambda: sum(LLM_TEXT in c.params["text"] for c in slack_api.calls_to("chat.update")) == 2
    )


def test_an_answer_that_fails_half_way_says_so_in_the_thread(llm_send, slack_api, openai_server):
    openai_server.behave("normal", content=LLM_TEXT)
    slack_api.fail("chat.update", "internal_error", times=None)
    ts, body = _mention(slack_api, f"<@{BOT}> {QUESTION}")
    llm_send(body)
    told = wait_for(lambda: [r for r in _replies(slack_api) if GENERIC_ERROR in r.params["text"]])
    assert told[0].params["thread_ts"] == ts


def test_a_failing_llm_falls_back_to_the_offline_answer(llm_send, slack_api, openai_server):
    openai_server.behave("error_500")
    ts, body = _mention(slack_api, f"<@{BOT}> {QUESTION}")
    llm_send(body)
    [update] = wait_for(lambda: slack_api.calls_to("chat.update"))
    assert "The AI writer is unavailable" in update.params["text"]


def test_run_the_assessment_under_the_answer_is_titled_with_the_question(send, slack_api):
    _, body = _mention(slack_api, f"<@{BOT}> {QUESTION}")
    send(body)
    [reply] = _replies(slack_api)
    run = reply.params["blocks"][-1]["elements"][0]
    send(
        block_actions(
            [button("assessment.start", run["value"], block_id="mention")],
            team_id=TEAM,
            user_id=USER,
            channel_id=CHANNEL,
            trigger_id=slack_api.new_trigger_id(),
        )
    )
    [opened] = slack_api.calls_to("views.open")
    assert json.loads(opened.params["view"]["private_metadata"])["t"] == QUESTION


def test_a_bare_mention_in_a_thread_answers_about_the_thread(send, slack_api):
    root, _ = thread(slack_api, "Should we pre-train our own model?", (SOMEONE, "We have 3 GPUs."))
    ts, body = _mention(slack_api, f"<@{BOT}>", thread_ts=root)
    send(body)
    [reply] = _replies(slack_api)
    assert reply.params["text"].startswith("> What do you make of this thread?")
    assert "value" not in reply.params["blocks"][-1]["elements"][0]  # no title to carry
