"""``/buildvsbuy digest``: preview, subscribe, unsubscribe, and an admin's "now", end to end
through signed requests and the fake Slack API."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.digest import delivery
from bot.jobs.digest import deliver_digests
from bot.models import Decision, DigestRecipient, DigestSentItem
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, TEAM, USER
from tests.slack_requests import button, slash_command
from tests.support.decisions import make_decision
from tests.support.digest import (
    MONDAY_9AM_PARIS,
    Story,
    make_team,
    numbered,
    posts,
    rows,
    store_news,
)
from tests.support.slack import press


@pytest.fixture
def clock_start() -> datetime:
    return MONDAY_9AM_PARIS


def _command(send, slack_api, text: str, user: str = USER) -> dict:
    """Run the command; the last thing the app said back through the response URL."""
    url = slack_api.response_url(TEAM, CHANNEL)
    response = send(
        slash_command(text, team_id=TEAM, user_id=user, channel_id=CHANNEL, response_url=url)
    )
    assert response.status == 200
    replies = slack_api.calls_to("response_url")
    if replies:
        return replies[-1].params
    return json.loads(response.body or "{}")


def test_the_help_lists_the_digest(send, slack_api, services) -> None:
    body = _command(send, slack_api, "help")
    assert "`/buildvsbuy digest` previews the next news digest" in body["text"]


def test_preview_before_anything_is_stored_says_when_it_will_be(
    send, slack_api, session, clock
) -> None:
    make_team(session)
    reply = _command(send, slack_api, "digest")
    assert reply["response_type"] == "ephemeral"
    assert "first feed fetch runs within 30 minutes" in reply["text"]


def test_preview_shows_the_next_digest_only_to_the_asker_and_records_nothing(
    send, slack_api, session, clock
) -> None:
    make_team(session, managers=[ADMIN])
    store_news(session, clock.now, numbered(3))
    reply = _command(send, slack_api, "digest")
    assert reply["response_type"] == "ephemeral"
    blocks = reply["blocks"]
    assert blocks[0]["text"]["text"] == "AI news digest · 2026-03-16"
    note = blocks[1]["elements"][0]["text"]
    assert note == (
        f"Preview: only you can see this. Next delivery: 2026-03-16 09:00 "
        f"(Europe/Paris) in <#{CHANNEL}>."
    )
    assert sum(b.get("block_id", "").startswith("digest.item.") for b in blocks) == 3
    assert (posts(slack_api), rows(session)) == ([], {})
    assert session.scalars(select(DigestSentItem)).all() == []


def test_admins_see_recent_delivery_problems_in_the_preview(send, slack_api, session, clock):
    make_team(session)
    store_news(session, clock.now, numbered(2))
    won = delivery.claim(session, TEAM, "2026-03-09", f"channel:{CHANNEL}", clock.now, "w")
    delivery.mark_failed(session, won, "not_in_channel")
    session.commit()
    admin_view = json.dumps(_command(send, slack_api, "digest", user=ADMIN)["blocks"])
    assert "Recent delivery problems" in admin_view and "Invite me" in admin_view
    assert "Recent delivery problems" not in json.dumps(
        _command(send, slack_api, "digest", user=USER)["blocks"]
    )


def test_subscribe_and_unsubscribe_yourself(send, slack_api, session, clock) -> None:
    make_team(session, days="mon,thu", managers=[ADMIN])
    assert _command(send, slack_api, "digest subscribe")["text"] == (
        "Done: you'll get the digest by DM, Monday, Thursday at 09:00 in your time zone."
    )
    assert "already subscribed" in _command(send, slack_api, "digest subscribe")["text"]
    assert session.scalars(
        select(DigestRecipient.role).where(DigestRecipient.user_id == USER)
    ).all() == ["subscriber"]
    assert _command(send, slack_api, "digest unsubscribe")["text"] == (
        "Done: no more digest DMs for you."
    )
    assert "weren't subscribed" in _command(send, slack_api, "digest unsubscribe")["text"]
    assert "you're a manager" in _command(send, slack_api, "digest unsubscribe", user=ADMIN)["text"]
    assert session.scalars(select(DigestRecipient.user_id)).all() == [ADMIN]


def test_a_subscriber_gets_the_next_digest_by_dm(send, slack_api, session, clock, services) -> None:
    make_team(session, channel=None, installer=ADMIN)
    store_news(session, clock.now, numbered(2))
    _command(send, slack_api, "digest subscribe")
    deliver_digests(services)
    assert [p["channel"] for p in posts(slack_api)] == [USER]  # no longer the installer
    assert "because you subscribed" in json.dumps(posts(slack_api)[0]["blocks"])


def test_now_is_for_admins_only(send, slack_api, session, clock) -> None:
    make_team(session)
    store_news(session, clock.now, numbered(2))
    reply = _command(send, slack_api, "digest now")
    assert reply["text"].startswith("Only an admin can do that.")
    assert posts(slack_api) == []


def test_now_sends_to_the_channel_outside_the_schedule(
    send, slack_api, session, clock, services
) -> None:
    make_team(session, items=2)
    store_news(session, clock.now, numbered(3))
    clock.advance(hours=-1)  # Monday 08:00 in Paris: before the scheduled digest
    reply = _command(send, slack_api, "digest now", user=ADMIN)
    assert reply["text"] == f"Digest sent to <#{CHANNEL}>: 2 stories."
    [sent_now] = posts(slack_api, CHANNEL)
    assert f"Sent now by <@{ADMIN}>" in json.dumps(sent_now["blocks"])
    [(period, recipient)] = rows(session)
    assert period.startswith("now-20260309T070000") and recipient == f"channel:{CHANNEL}"
    clock.advance(hours=1)  # 09:00: the scheduled one still goes, with what "now" left
    deliver_digests(services)
    scheduled = posts(slack_api, CHANNEL)[1]
    assert [
        b["text"]["text"].split("\n")[0]
        for b in scheduled["blocks"]
        if b.get("block_id", "").startswith("digest.item.")
    ] == ["*<https://news.example/3|Vendor3 cuts API prices for model3>*"]


def test_now_without_a_channel_says_where_to_set_one(send, slack_api, session, clock) -> None:
    make_team(session, channel=None)
    store_news(session, clock.now, numbered(1))
    assert "No digest channel is set" in _command(send, slack_api, "digest now", user=ADMIN)["text"]


def test_now_into_a_channel_without_the_bot_says_how_to_fix_it(
    send, slack_api, session, clock
) -> None:
    slack_api.add_channel(TEAM, "C0NOTIN", bot_member=False)
    make_team(session, channel="C0NOTIN")
    store_news(session, clock.now, numbered(1))
    reply = _command(send, slack_api, "digest now", user=ADMIN)
    assert "I'm not in that channel yet" in reply["text"]
    assert list(rows(session).values()) == ["failed"]


def test_an_unknown_digest_action_gets_the_usage(send, slack_api, session, clock) -> None:
    body = _command(send, slack_api, "digest weekly")
    assert body["text"].startswith("Usage: `/buildvsbuy digest`")


def _digest_revisit_line(slack_api, services, session, clock) -> dict:
    """Deliver a digest whose one story bears on a decision; that decision's line."""
    make_team(session)
    store_news(
        session,
        clock.now,
        [Story("OpenAI cuts GPT-5 API prices by half", "https://wire.example/p")],
    )
    deliver_digests(services)
    [message] = posts(slack_api, CHANNEL)
    [line] = [b for b in message["blocks"] if b.get("block_id", "").startswith("digest.dec")]
    return line


def _click(send, slack_api, line: dict, team_id: str = TEAM, user: str = USER) -> None:
    accessory = line["accessory"]
    action = button(accessory["action_id"], accessory["value"], block_id=line["block_id"])
    press(send, slack_api, action, user=user, team=team_id)


def test_revisit_in_the_digest_reopens_the_decision_and_leaves_the_digest_alone(
    send, slack_api, session, clock, services
) -> None:
    decision = make_decision(session, title="Wrap GPT for support", verdict="wrap", owner_id=USER)
    line = _digest_revisit_line(slack_api, services, session, clock)
    _click(send, slack_api, line)
    session.expire_all()
    assert session.get(Decision, decision.id).status == "revisiting"
    [opened] = slack_api.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == "assessment.page"
    # The channel's digest is everyone's: not updated, not replaced; the note is the clicker's.
    assert slack_api.calls_to("chat.update") == []
    [note] = [c.params for c in slack_api.calls_to("response_url")]
    assert (note["response_type"], note["replace_original"]) == ("ephemeral", False)
    assert note["text"] == (
        "*Wrap GPT for support* is now being revisited. Rerun the assessment and see what changed."
    )


def test_revisit_in_a_digest_names_no_other_teams_decision(
    send, slack_api, session, clock, services
) -> None:
    decision = make_decision(session, title="Wrap GPT for support", verdict="wrap", owner_id=USER)
    line = _digest_revisit_line(slack_api, services, session, clock)
    _click(send, slack_api, line, team_id=OTHER_TEAM)  # their payload, our decision's id
    session.expire_all()
    assert session.get(Decision, decision.id).status == "decided"
    assert slack_api.calls_to("views.open") == []
    assert slack_api.calls_to("chat.update") == []
    [note] = [c.params for c in slack_api.calls_to("response_url")]
    assert note["text"] == "That item doesn't exist, or it belongs to another workspace."
    assert (note["response_type"], note["replace_original"]) == ("ephemeral", False)
