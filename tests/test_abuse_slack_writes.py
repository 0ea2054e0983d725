"""Slack took the message, then the answer was lost: nothing is ever posted twice.

The fake Slack does the call and then drops the connection or answers 500
(``accept_then``); the caller cannot know whether Slack did it. A blind retry (slack_sdk's
connection and server-error handlers) would post a second copy. Writes are sent once; the
digest's delivery row says ``maybe_sent`` instead of retrying; reminders and confirmations
are not sent again either. Reads may still be retried.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.digest import delivery
from bot.jobs.digest import deliver_digests
from bot.jobs.reminders import send_review_reminders
from bot.messaging.client import make_web_client
from bot.models import Decision, DigestDelivery, ReviewReminder
from bot.vocabulary import DeliveryState
from tests.conftest import BOT_TOKEN, CHANNEL, TEAM, USER
from tests.fakes.slack_api import DROP
from tests.slack_requests import view_submission
from tests.support.clock import Clock
from tests.support.decisions import NOW, decide_state, make_decision, metadata
from tests.support.digest import (
    MONDAY_9AM_PARIS,
    make_team,
    numbered,
    posts,
    store_news,
)

LOST_ANSWERS = [pytest.param(DROP, id="connection-dropped"), pytest.param(500, id="http-500")]
PERIOD = "2026-03-09"


@pytest.mark.parametrize("lost", LOST_ANSWERS)
def test_a_digest_whose_answer_was_lost_is_recorded_maybe_sent_and_not_sent_again(
    services, slack_api, session, lost
) -> None:
    services.clock = clock = Clock(MONDAY_9AM_PARIS)
    store_news(session, clock.now, numbered(5))
    make_team(session)
    slack_api.accept_then("chat.postMessage", lost)
    report = deliver_digests(services)
    assert len(posts(slack_api, CHANNEL)) == 1
    [row] = session.scalars(select(DigestDelivery)).all()
    assert (row.period, row.status) == (PERIOD, DeliveryState.MAYBE_SENT)
    assert report.total(DeliveryState.MAYBE_SENT) == 1
    for _ in range(3):  # the next runs leave it be: a second copy is worse than none
        clock.advance(minutes=5)
        deliver_digests(services)
    assert len(posts(slack_api, CHANNEL)) == 1
    # Admins see it among the deliveries that need a look.
    [problem] = delivery.recent_failures(session, TEAM)
    assert problem.status == DeliveryState.MAYBE_SENT


@pytest.mark.parametrize("lost", LOST_ANSWERS)
def test_a_review_reminder_whose_answer_was_lost_is_not_sent_again(
    services, slack_api, session, lost
) -> None:
    services.clock = Clock(NOW)
    make_decision(session, review_date=(NOW + timedelta(days=3)).date())
    services.clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=NOW.tzinfo)
    slack_api.accept_then("chat.postMessage", lost)
    send_review_reminders(services)
    send_review_reminders(services)
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert session.scalar(select(ReviewReminder.error)) == DeliveryState.MAYBE_SENT


@pytest.mark.parametrize("lost", LOST_ANSWERS)
def test_a_decisions_confirmation_is_posted_once(send, slack_api, session, lost) -> None:
    slack_api.accept_then("chat.postMessage", lost)
    response = send(
        view_submission(
            "decisions.save",
            decide_state(title="Buy the search API", owner=USER),
            team_id=TEAM,
            user_id=USER,
            private_metadata=metadata(channel=CHANNEL),
        )
    )
    assert response.status == 200
    assert session.scalar(select(Decision.title)) == "Buy the search API"
    assert len(slack_api.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("lost", LOST_ANSWERS)
def test_reads_are_still_retried(slack_settings, slack_api, lost) -> None:
    slack_api.accept_then("users.info", lost)
    client = make_web_client(slack_settings, token=BOT_TOKEN)
    assert client.users_info(user=USER)["user"]["id"] == USER
    assert len(slack_api.calls_to("users.info")) == 2
