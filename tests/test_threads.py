"""Threads instead of noise: a decision's changes and review outcomes are replies in the thread
of its first message, sent to the channel too only when its status changes; a channel digest
asks for discussion in its thread and links each decision it names; English and French."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.decisions.store import DecisionSummary
from bot.models import Decision
from bot.news.why import DecisionRef
from bot.views.digest import _decision_block, channel_footer
from bot.workspaces import team_settings
from tests.conftest import CHANNEL, TEAM, USER
from tests.slack_requests import button, view_submission
from tests.support.clock import Clock
from tests.support.decisions import NOW, decide_state, metadata, overflow
from tests.support.slack import press

FIRST_LINK_PREFIX = f"https://acme.slack.com/archives/{CHANNEL}/p"


@pytest.fixture(autouse=True)
def clock(services) -> Clock:
    services.clock = Clock(NOW)
    return services.clock


def _submit(send, state: dict, meta: str):
    return send(
        view_submission("decisions.save", state, team_id=TEAM, user_id=USER, private_metadata=meta)
    )


def _logged(send, slack_api, session) -> Decision:
    """A decision logged through the modal from a channel: its confirmation starts the thread."""
    _submit(send, decide_state(review="2027-03-01"), metadata(CHANNEL))
    session.expire_all()
    return session.scalars(select(Decision)).one()


def _thread_replies(slack_api, ts: str) -> list:
    return [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def test_the_first_confirmation_becomes_the_decisions_thread(send, slack_api, session):
    decision = _logged(send, slack_api, session)
    [post] = slack_api.calls_to("chat.postMessage")
    assert "thread_ts" not in post.params  # in the channel
    ts = slack_api.message(CHANNEL, decision.thread_ts)["ts"]
    assert (decision.thread_channel, decision.thread_ts) == (CHANNEL, ts)
    # Its permalink becomes the decision's link: the place it was decided.
    assert decision.link == FIRST_LINK_PREFIX + ts.replace(".", "")


def test_an_edit_replies_in_the_thread_and_broadcasts_only_a_new_status(send, slack_api, session):
    decision = _logged(send, slack_api, session)
    ts = decision.thread_ts
    _submit(
        send, decide_state(rationale="Cheaper, and faster."), metadata(CHANNEL, edit=decision.id)
    )
    [quiet] = _thread_replies(slack_api, ts)
    assert quiet.params["channel"] == CHANNEL and not quiet.params.get("reply_broadcast")
    assert quiet.params["text"].startswith(f"<@{USER}> edited a decision")
    _submit(send, decide_state(status="revisiting"), metadata(CHANNEL, edit=decision.id))
    loud = _thread_replies(slack_api, ts)[-1]
    assert loud.params["reply_broadcast"] in (True, "true", "1")


def test_reversing_from_the_list_tells_the_thread_and_the_channel(send, slack_api, session):
    decision = _logged(send, slack_api, session)
    press(send, slack_api, overflow(f"reverse:{decision.id}"))
    [reply] = _thread_replies(slack_api, decision.thread_ts)
    assert reply.params["reply_broadcast"] in (True, "true", "1")
    assert f"<@{USER}>: Marked reversed:" in reply.params["text"]
    # Nothing changed the second time: the thread hears nothing more.
    press(send, slack_api, overflow(f"reverse:{decision.id}"))
    assert len(_thread_replies(slack_api, decision.thread_ts)) == 1


def test_superseding_tells_the_old_thread_which_the_new_decision_keeps(send, slack_api, session):
    old = _logged(send, slack_api, session)
    _submit(send, decide_state(title="Wrap a model instead"), metadata(CHANNEL, supersedes=old.id))
    [reply] = _thread_replies(slack_api, old.thread_ts)
    assert reply.params["reply_broadcast"] in (True, "true", "1")
    assert "supersedes an older one" in reply.params["text"]
    session.expire_all()
    new = session.scalars(select(Decision).where(Decision.id != old.id)).one()
    assert (new.thread_channel, new.thread_ts) == (CHANNEL, old.thread_ts)


def test_review_outcomes_reply_in_the_thread(send, slack_api, session):
    decision = _logged(send, slack_api, session)
    dm = slack_api.dm_channel(TEAM, USER)
    press(send, slack_api, button("decisions.reminder.snooze", str(decision.id)), channel=dm)
    [snoozed] = _thread_replies(slack_api, decision.thread_ts)
    assert "Snoozed *Buy a transcription API*" in snoozed.params["text"]
    assert not snoozed.params.get("reply_broadcast")  # same status
    press(send, slack_api, button("decisions.reminder.revisit", str(decision.id)), channel=dm)
    revisited = _thread_replies(slack_api, decision.thread_ts)[-1]
    assert "is now being revisited" in revisited.params["text"]
    assert revisited.params["reply_broadcast"] in (True, "true", "1")


def test_in_french_the_thread_hears_french(send, slack_api, session):
    team_settings(session, TEAM).language = "fr"
    session.commit()
    decision = _logged(send, slack_api, session)
    press(send, slack_api, overflow(f"reverse:{decision.id}"))
    [reply] = _thread_replies(slack_api, decision.thread_ts)
    assert f"<@{USER}>\u00a0: Marquée annulée" in reply.params["text"]


def test_a_decision_without_a_thread_is_told_as_before(send, slack_api, session):
    _submit(send, decide_state(), metadata(""))  # from the Home tab: no channel, a DM
    session.expire_all()
    decision = session.scalars(select(Decision)).one()
    assert decision.thread_ts is None and decision.link is None
    press(send, slack_api, overflow(f"reverse:{decision.id}"))
    assert [c for c in slack_api.calls_to("chat.postMessage") if c.params.get("thread_ts")] == []


# ------------------------------------------------------------------------- the digest


@pytest.mark.parametrize(
    ("lang", "prompt"),
    [("en", "Discuss these stories here, in this thread"), ("fr", "Discutez de ces articles ici")],
)
def test_a_channel_digest_asks_for_discussion_in_its_thread(lang, prompt):
    assert channel_footer("Footer.", lang).startswith(f"Footer.\n💬 {prompt}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_digest_links_a_decision_to_where_it_was_decided(lang):
    link = FIRST_LINK_PREFIX + "1700000000000100"
    block = _decision_block(DecisionRef("7", "Buy <STT> & co", "buy", link), lang, "digest.d.7")
    text = block.to_dict()["text"]["text"]
    assert f"<{link}|Buy &lt;STT&gt; &amp; co>" in text
    plain = _decision_block(DecisionRef("7", "Buy STT", "buy"), lang, "digest.d.7")
    assert "<https" not in plain.to_dict()["text"]["text"]
    # A link that could break out of the mrkdwn is not used.
    odd = _decision_block(DecisionRef("7", "Buy STT", "buy", "https://x|<!channel>"), lang, "d")
    assert "<!channel>" not in odd.to_dict()["text"]["text"]


def test_the_digest_query_carries_the_link(session):
    from bot.digest.teams import decisions_by_team
    from tests.support.decisions import make_decision

    decision = make_decision(session)
    decision.link = FIRST_LINK_PREFIX + "1"
    session.commit()
    [ref] = decisions_by_team(session, [TEAM])[TEAM]
    assert ref.link == decision.link
    assert DecisionSummary.of(decision).link == decision.link


# ------------------------------------------------------------------------- where the link shows


def test_home_and_reminders_show_where_it_was_decided(send, slack_api, session):
    from bot.decisions.reminders import due_reminders
    from bot.views.decisions import reminder_blocks

    decision = _logged(send, slack_api, session)
    link = decision.link
    assert link and link.startswith(FIRST_LINK_PREFIX)
    home = slack_api.home_view(TEAM, USER)  # published after the save
    assert home is not None and f"<{link}|the conversation>" in str(home["blocks"])
    decision.review_date = NOW.date()
    session.commit()
    [due] = due_reminders(session, NOW)
    assert due.link == link
    for lang, word in (("en", "Source: "), ("fr", "Source\u00a0: ")):
        blocks = json.dumps([b.to_dict() for b in reminder_blocks(due, lang)], ensure_ascii=False)
        assert f"{word}<{link}|" in blocks


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            ("Log as decision", "Assess this idea", "Start an assessment", "@Build", "assistant"),
        ),
        (
            "fr",
            ("Log as decision", "noter comme décision", "Start an assessment", "panneau assistant"),
        ),
    ],
)
def test_the_help_lists_the_new_ways_in(lang, words):
    from bot.views.help import help_text

    text = help_text([], lang)
    assert all(word in text for word in words), text
