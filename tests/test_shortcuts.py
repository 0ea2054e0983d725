"""The shortcuts, through signed requests as Slack sends them: "Log as decision" and "Assess
this idea" on a message, "Start an assessment" from the shortcut menu; English and French."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from bot.decisions.threads import MAX_MESSAGES, SUMMARY_MAX
from bot.models import Decision
from bot.workspaces import team_settings
from tests.conftest import ADMIN, CHANNEL, TEAM, USER
from tests.slack_requests import global_shortcut, slash_command, view_submission
from tests.support.assessment import wait_for
from tests.support.decisions import decide_state
from tests.support.shortcuts import (
    ASSESS_THIS,
    LOG_AS_DECISION,
    OTHER_BOT,
    SOMEONE,
    START_ASSESSMENT,
    block,
    initial,
    opened_view,
    shortcut_on,
    thread,
)

PRIVATE = "G0123PRIV"


@pytest.fixture(autouse=True)
def people(slack_settings, slack_api) -> None:
    slack_api.add_user(TEAM, SOMEONE, name="sam")


def _french(session) -> None:
    team_settings(session, TEAM).language = "fr"
    session.commit()


def _permalink(ts: str, parent: str | None = None) -> str:
    link = f"https://acme.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
    return f"{link}?thread_ts={parent}&cid={CHANNEL}" if parent else link


def _save(send, view: dict, state: dict, user: str = USER):
    return send(
        view_submission(
            "decisions.save",
            state,
            team_id=TEAM,
            user_id=user,
            private_metadata=view["private_metadata"],
        )
    )


def _decision(session) -> Decision:
    session.expire_all()
    return session.scalars(select(Decision)).one()


# ------------------------------------------------------------------------- Log as decision


def test_a_channel_message_becomes_a_prefilled_decision_linked_back(send, slack_api, session):
    ts = slack_api.add_message(
        TEAM, CHANNEL, ADMIN, "We buy <https://deepgram.com|Deepgram> for transcripts &amp; move on"
    )
    assert send(shortcut_on(slack_api, LOG_AS_DECISION, ts)).status == 200
    view = opened_view(slack_api, "decisions.save")
    assert initial(view, "title") == "We buy Deepgram for transcripts & move on"
    assert initial(view, "rationale") == "We buy Deepgram for transcripts & move on"
    assert initial(view, "participants") == [ADMIN]  # who wrote it
    assert block(view, "owner")["element"]["initial_user"] == USER  # who used the shortcut
    assert json.loads(view["private_metadata"])["l"] == _permalink(ts)
    assert slack_api.calls_to("conversations.replies") == []  # not in a thread: nothing to read

    assert _save(send, view, decide_state(title="Buy Deepgram")).status == 200
    decision = _decision(session)
    assert decision.link == _permalink(ts)
    assert (decision.thread_channel, decision.thread_ts) == (CHANNEL, ts)
    # The confirmation is a reply under the message, and links back to it.
    [post] = slack_api.calls_to("chat.postMessage")
    assert (post.params["channel"], post.params["thread_ts"]) == (CHANNEL, ts)
    assert f"Source: <{_permalink(ts)}|the conversation>" in post.params["text"]
    assert not post.params.get("reply_broadcast")


def test_a_thread_gives_its_people_and_a_trimmed_summary(send, slack_api, session):
    root, replies = thread(
        slack_api,
        "Should we fine-tune Llama for support triage?",
        (SOMEONE, "A hosted API gets us 90% there this week."),
        (ADMIN, "Agreed: <@U0123SOME> is right, wrap it."),
    )
    slack_api.add_message(TEAM, CHANNEL, "U0OTHERBOT", "beep", thread_ts=root, bot_id=OTHER_BOT)
    send(shortcut_on(slack_api, LOG_AS_DECISION, replies[1]))
    [read] = slack_api.calls_to("conversations.replies")
    assert (read.params["channel"], read.params["ts"]) == (CHANNEL, root)
    view = opened_view(slack_api, "decisions.save")
    assert initial(view, "title") == "Agreed: @U0123SOME is right, wrap it."
    assert initial(view, "participants") == [ADMIN, USER, SOMEONE]  # no bot
    assert initial(view, "rationale") == (
        "Agreed: @U0123SOME is right, wrap it.\n\nFrom the thread:\n"
        f"• @{USER}: Should we fine-tune Llama for support triage?\n"
        f"• @{SOMEONE}: A hosted API gets us 90% there this week."
    )
    meta = json.loads(view["private_metadata"])
    assert (meta["t"], meta["l"]) == (root, _permalink(replies[1], root))

    _save(send, view, decide_state())
    assert (_decision(session).thread_ts, _decision(session).link) == (
        root,
        _permalink(replies[1], root),
    )
    [post] = slack_api.calls_to("chat.postMessage")
    assert post.params["thread_ts"] == root  # in the thread, not under the reply


def test_a_long_thread_is_bounded(send, slack_api):
    root, replies = thread(
        slack_api,
        "Kick-off " + "x" * 400,
        *[(SOMEONE if i % 2 else ADMIN, f"reply {i} " + "words " * 80) for i in range(80)],
    )
    send(shortcut_on(slack_api, LOG_AS_DECISION, root))
    rationale = initial(opened_view(slack_api, "decisions.save"), "rationale")
    summary = rationale.split("From the thread:\n", 1)[1]
    assert len(summary) <= SUMMARY_MAX + 4
    lines = summary.splitlines()
    assert len(lines) <= MAX_MESSAGES + 1 and lines[-1] == "• …"
    assert all(len(line) <= 300 for line in lines)
    assert len(rationale) <= 3000
    # The parent is the message itself: not repeated in its own summary.
    assert "Kick-off" not in summary


def test_an_unreadable_thread_still_opens_the_modal(send, slack_api, session):
    slack_api.add_channel(TEAM, PRIVATE, is_private=True, bot_member=False)
    root = slack_api.add_message(TEAM, PRIVATE, USER, "Wrap GPT for the helpdesk")
    reply = slack_api.add_message(TEAM, PRIVATE, SOMEONE, "Yes, wrap it", thread_ts=root)
    send(shortcut_on(slack_api, LOG_AS_DECISION, reply, channel=PRIVATE))
    assert len(slack_api.calls_to("conversations.replies")) == 1  # refused: channel_not_found
    view = opened_view(slack_api, "decisions.save")
    assert initial(view, "title") == "Yes, wrap it"
    assert initial(view, "participants") == [SOMEONE]
    assert "l" not in json.loads(view["private_metadata"])  # no permalink either
    _save(send, view, decide_state())
    # The bot cannot post there (channel_not_found): the confirmation comes by DM.
    tried, post = slack_api.calls_to("chat.postMessage")
    assert (tried.params["channel"], tried.params["thread_ts"]) == (PRIVATE, root)
    assert post.params["channel"] == USER and "thread_ts" not in post.params
    assert _decision(session).link is None


def test_the_link_shows_in_the_list_and_the_export(send, slack_api, session):
    ts = slack_api.add_message(TEAM, CHANNEL, USER, "Buy a transcription API")
    send(shortcut_on(slack_api, LOG_AS_DECISION, ts))
    _save(send, opened_view(slack_api, "decisions.save"), decide_state())
    url = slack_api.response_url(TEAM, CHANNEL)
    send(
        slash_command("decisions", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url)
    )
    [listed] = slack_api.calls_to("response_url")
    assert f"<{_permalink(ts)}|the conversation>" in json.dumps(listed.params["blocks"])
    url = slack_api.response_url(TEAM, CHANNEL)
    send(slash_command("export", team_id=TEAM, user_id=ADMIN, channel_id=CHANNEL, response_url=url))
    [upload] = slack_api.calls_to("files.completeUploadExternal")
    file_id = upload.params["files"][0]["id"]
    content = slack_api.file(file_id).content
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert rows[0]["link"] == _permalink(ts)


def test_french_thread_heading_and_confirmation(send, slack_api, session):
    _french(session)
    root, replies = thread(slack_api, "On affine Llama ?", (SOMEONE, "Non : on branche une API."))
    send(shortcut_on(slack_api, LOG_AS_DECISION, replies[0]))
    view = opened_view(slack_api, "decisions.save")
    assert view["title"]["text"] == "Noter une décision"
    assert "\n\nDans le fil\u00a0:\n• @U0123USER: On affine Llama ?" in initial(view, "rationale")
    _save(send, view, decide_state())
    [post] = slack_api.calls_to("chat.postMessage")
    assert "Source\u00a0: <" in post.params["text"]


# ------------------------------------------------------------------------- with the LLM

LLM_SUMMARY = "• The team wraps a hosted model.\n• Fine-tuning waits for real traffic."


@pytest.fixture
def llm_send(send_with_llm):
    return send_with_llm(2.0)


def test_the_llm_summary_replaces_the_trimmed_one(llm_send, slack_api, openai_server, session):
    openai_server.behave("normal", content=LLM_SUMMARY)
    root, replies = thread(slack_api, "Fine-tune Llama?", (SOMEONE, "Wrap first."))
    llm_send(shortcut_on(slack_api, LOG_AS_DECISION, replies[0]))
    opened = opened_view(slack_api, "decisions.save")
    assert "• @U0123USER: Fine-tune Llama?" in initial(opened, "rationale")  # at once
    [update] = wait_for(lambda: slack_api.calls_to("views.update"))
    view = update.params["view"]
    assert initial(view, "rationale.renewed") == (f"Wrap first.\n\nFrom the thread:\n{LLM_SUMMARY}")
    [request] = openai_server.requests
    assert "@U0123USER: Fine-tune Llama?" in request.body["messages"][1]["content"]
    # What Slack sends back under the renewed block id is what is saved.
    state = decide_state()
    state["rationale.renewed"] = state.pop("rationale")
    state["rationale.renewed"]["value"]["value"] = "Edited after the summary"
    assert _save(llm_send, view, state).status == 200
    assert _decision(session).rationale == "Edited after the summary"


def test_a_failing_llm_leaves_the_trimmed_summary(llm_send, slack_api, openai_server):
    openai_server.behave("error_500")
    root, replies = thread(slack_api, "Fine-tune Llama?", (SOMEONE, "Wrap first."))
    llm_send(shortcut_on(slack_api, LOG_AS_DECISION, replies[0]))
    wait_for(lambda: openai_server.requests)
    assert slack_api.calls_to("views.update") == []
    assert "• @U0123USER: Fine-tune Llama?" in initial(
        opened_view(slack_api, "decisions.save"), "rationale"
    )


# ------------------------------------------------------------------------- assessments


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_start_an_assessment_from_the_shortcut_menu(send, slack_api, session, lang):
    if lang == "fr":
        _french(session)
    body = global_shortcut(
        START_ASSESSMENT, team_id=TEAM, user_id=USER, trigger_id=slack_api.new_trigger_id()
    )
    assert send(body).status == 200
    view = opened_view(slack_api, "assessment.page")
    first_label = json.dumps(view["blocks"], ensure_ascii=False)
    expected = "Quelle place l'IA tient" if lang == "fr" else "What role does AI play"
    assert expected in first_label


def test_assess_this_idea_titles_the_assessment_with_the_message(send, slack_api):
    ts = slack_api.add_message(
        TEAM, CHANNEL, ADMIN, "<@U0123USER> should we *fine-tune* Llama\nfor support triage?"
    )
    assert send(shortcut_on(slack_api, ASSESS_THIS, ts)).status == 200
    view = opened_view(slack_api, "assessment.page")
    meta = json.loads(view["private_metadata"])
    assert meta["t"] == "@U0123USER should we *fine-tune* Llama for support triage?"
    assert meta["c"] == CHANNEL
