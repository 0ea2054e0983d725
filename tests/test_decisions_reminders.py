"""Review reminders: due in the team's time zone, sent once (even after a restart), answered."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.decisions.reminders import claim, due_reminders
from bot.jobs.reminders import send_review_reminders
from bot.models import Decision, ReviewReminder
from bot.scheduler import JOBS
from bot.services import Services
from bot.workspaces import team_settings
from tests.conftest import ADMIN, TEAM, USER
from tests.slack_requests import block_actions, button
from tests.support.decisions import NOW, events_of, make_assessment, make_decision

DUE = date(2026, 12, 4)  # three days after NOW


def _dms(slack_api) -> list[dict]:
    return [c.params for c in slack_api.calls_to("chat.postMessage")]


def test_the_job_is_scheduled() -> None:
    assert [j.minutes for j in JOBS if j.id == "decisions.review_reminders"] == [5]


def test_owner_is_reminded_on_the_day_once_and_not_again_after_a_restart(
    services, slack_api, session, clock
):
    decision = make_decision(session, owner_id=ADMIN, review_date=DUE)
    assert send_review_reminders(services) == 0  # not yet
    clock.now = datetime(2026, 12, 4, 0, 5, tzinfo=NOW.tzinfo)
    assert send_review_reminders(services) == 1
    [dm] = _dms(slack_api)
    assert dm["channel"] == slack_api.dm_channel(TEAM, ADMIN)
    assert [c.params["users"] for c in slack_api.calls_to("conversations.open")] == [ADMIN]
    actions = [e["action_id"] for e in dm["blocks"][1]["elements"]]
    assert actions == [
        "decisions.reminder.still_right",
        "decisions.reminder.revisit",
        "decisions.reminder.snooze",
    ]
    assert {e["value"] for e in dm["blocks"][1]["elements"]} == {str(decision.id)}

    assert send_review_reminders(services) == 0  # the next run
    clock.now += timedelta(days=2)
    restarted = Services(
        settings=services.settings, engine=services.engine, sessions=services.sessions, clock=clock
    )
    assert send_review_reminders(restarted) == 0  # a new process, days later
    assert len(_dms(slack_api)) == 1
    row = session.scalar(select(ReviewReminder))
    assert (row.decision_id, row.review_date, row.sent_at is not None, row.error) == (
        decision.id,
        DUE,
        True,
        None,
    )


def test_overdue_reviews_are_caught_up_and_inactive_ones_skipped(
    services, slack_api, session, clock
):
    make_decision(session, title="overdue", review_date=DUE)
    make_decision(session, title="reversed", review_date=DUE, status="reversed")
    make_decision(session, title="later", review_date=DUE + timedelta(days=10))
    clock.now = datetime(2026, 12, 9, 12, 0, tzinfo=NOW.tzinfo)
    assert send_review_reminders(services) == 1
    assert "overdue" in _dms(slack_api)[0]["text"]


@pytest.mark.parametrize(
    ("timezone", "utc_now", "due"),
    [
        (None, datetime(2026, 12, 3, 23, 59), False),
        ("Pacific/Kiritimati", datetime(2026, 12, 3, 10, 0), True),  # already the 4th there
        ("America/Los_Angeles", datetime(2026, 12, 4, 7, 0), False),  # still the 3rd there
        ("America/Los_Angeles", datetime(2026, 12, 4, 8, 0), True),
        ("Not/AZone", datetime(2026, 12, 4, 0, 0), True),  # unknown: UTC
    ],
)
def test_due_follows_the_teams_time_zone(session, timezone, utc_now, due):
    make_decision(session, review_date=DUE)
    team_settings(session, TEAM).timezone = timezone
    session.commit()
    found = due_reminders(session, utc_now.replace(tzinfo=NOW.tzinfo))
    assert [r.review_date for r in found] == ([DUE] if due else [])


def test_two_workers_that_both_saw_a_reminder_send_it_once(session):
    make_decision(session, review_date=DUE)
    when = datetime(2026, 12, 4, 9, 0, tzinfo=NOW.tzinfo)
    [seen_by_a] = due_reminders(session, when)
    [seen_by_b] = due_reminders(session, when)
    assert claim(session, seen_by_a, when) is True
    session.commit()
    assert claim(session, seen_by_b, when) is False


def test_a_failed_dm_is_recorded_and_not_retried(services, slack_api, session, clock):
    make_decision(session, review_date=DUE)
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=NOW.tzinfo)
    slack_api.fail("chat.postMessage", "cannot_dm_bot")
    assert send_review_reminders(services) == 0
    assert send_review_reminders(services) == 0
    assert len(slack_api.calls_to("chat.postMessage")) == 1
    assert session.scalar(select(ReviewReminder.error)) == "cannot_dm_bot"


# ------------------------------------------------------------------------- the buttons


def _press(send, slack_api, action_id: str, decision_id: int, user: str = USER):
    channel = slack_api.dm_channel(TEAM, user)
    return send(
        block_actions(
            [button(action_id, str(decision_id))],
            team_id=TEAM,
            user_id=user,
            channel_id=channel,
            response_url=slack_api.response_url(TEAM, channel),
        )
    )


def test_still_right_sets_the_next_review_after_the_team_period(send, slack_api, session, clock):
    decision = make_decision(session, review_date=DUE, status="revisiting")
    team_settings(session, TEAM).review_period_days = 60
    session.commit()
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=NOW.tzinfo)
    _press(send, slack_api, "decisions.reminder.still_right", decision.id)
    session.expire_all()
    saved = session.get(Decision, decision.id)
    assert (saved.review_date, saved.status) == (date(2027, 2, 2), "decided")
    event = events_of(session, decision.id)[-1]
    assert (event.action, event.changes["review_date"]) == (
        "confirmed",
        {"before": "2026-12-04", "after": "2027-02-02"},
    )
    reply = slack_api.calls_to("response_url")[-1].params
    assert reply["replace_original"] is True and "2027-02-02" in reply["text"]


def test_snooze_moves_the_review_thirty_days(send, slack_api, session, clock):
    decision = make_decision(session, review_date=DUE)
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=NOW.tzinfo)
    _press(send, slack_api, "decisions.reminder.snooze", decision.id)
    session.expire_all()
    assert session.get(Decision, decision.id).review_date == date(2027, 1, 3)
    assert events_of(session, decision.id)[-1].action == "snoozed"


def test_revisit_marks_revisiting_and_opens_the_assessment_with_the_original_answers(
    send, slack_api, session, clock
):
    answers = {"ai_role": "differentiator", "motivation": "economics", "talent": "none"}
    assessment = make_assessment(session, answers=answers)
    decision = make_decision(session, review_date=DUE, assessment_id=assessment.id)
    _press(send, slack_api, "decisions.reminder.revisit", decision.id)
    session.expire_all()
    assert session.get(Decision, decision.id).status == "revisiting"
    assert events_of(session, decision.id)[-1].changes == {
        "status": {"before": "decided", "after": "revisiting"}
    }
    view = slack_api.calls_to("views.open")[-1].params["view"]
    assert view["callback_id"] == "assessment.page"
    metadata = json.loads(view["private_metadata"])
    assert metadata["a"] == answers and metadata["p"] == 0
    # Page one asks ai_role and motivation: both come back selected.
    selected = {
        block["block_id"]: block["element"]["initial_option"]["value"]
        for block in view["blocks"]
        if block.get("type") == "input" and "initial_option" in block.get("element", {})
    }
    assert selected.get("q_ai_role") == "differentiator"
    assert selected.get("q_motivation") == "economics"
    reply = slack_api.calls_to("response_url")[-1].params  # the owner's own DM: replaced
    assert reply["replace_original"] is True and "being revisited" in reply["text"]


def test_reminder_buttons_are_refused_to_someone_else(send, slack_api, session, clock):
    slack_api.add_user(TEAM, "U0123BYST")
    decision = make_decision(session, review_date=DUE)
    _press(send, slack_api, "decisions.reminder.snooze", decision.id, user="U0123BYST")
    session.expire_all()
    assert session.get(Decision, decision.id).review_date == DUE
    assert "Only the owner" in slack_api.calls_to("response_url")[-1].params["text"]


def test_the_owner_can_snooze_while_slack_cannot_say_who_is_admin(send, slack_api, session, clock):
    decision = make_decision(session, review_date=DUE)
    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=NOW.tzinfo)
    slack_api.fail("users.info", status=500, times=None)
    _press(send, slack_api, "decisions.reminder.snooze", decision.id)
    session.expire_all()
    assert session.get(Decision, decision.id).review_date == date(2027, 1, 3)
    assert slack_api.calls_to("users.info"), "the admin check never asked Slack"


def test_someone_else_is_refused_while_slack_cannot_say_who_is_admin(
    send, slack_api, session, clock
):
    decision = make_decision(session, review_date=DUE)  # owned by USER; ADMIN is a Slack admin
    slack_api.fail("users.info", status=500, times=None)
    _press(send, slack_api, "decisions.reminder.snooze", decision.id, user=ADMIN)
    session.expire_all()
    assert session.get(Decision, decision.id).review_date == DUE  # fails closed
    assert "Only the owner" in slack_api.calls_to("response_url")[-1].params["text"]


def test_the_worker_finds_each_teams_own_bot_token_with_oauth(settings_factory, tmp_path):
    from slack_sdk.oauth.installation_store import Installation
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

    from bot.db import upgrade_to_head
    from bot.messaging.client import team_client

    url = f"sqlite:///{tmp_path / 'worker.db'}"
    upgrade_to_head(url)
    settings = settings_factory(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID="111.222",
        SLACK_CLIENT_SECRET="s3cr3t",
        DATABASE_URL=url,
    )
    services = Services.from_settings(settings)  # a worker: no installation store yet
    try:
        SQLAlchemyInstallationStore(client_id="111.222", engine=services.engine).save(
            Installation(
                app_id="A1",
                team_id=TEAM,
                user_id=USER,
                bot_token="xoxb-team-a",
                bot_id="B1",
                bot_user_id="U0BOT",
            )
        )
        assert team_client(services, TEAM).token == "xoxb-team-a"
        assert team_client(services, "T0NOTINST") is None
    finally:
        services.engine.dispose()


def test_a_hostile_title_neither_pings_nor_spoofs_a_link_in_the_notification(
    services, slack_api, session, clock
):
    make_decision(session, title="<!channel> <https://evil.example|click>", review_date=DUE)
    clock.now = datetime(2026, 12, 4, 0, 5, tzinfo=NOW.tzinfo)
    assert send_review_reminders(services) == 1
    [dm] = _dms(slack_api)
    for shown in (dm["text"], dm["blocks"][0]["text"]["text"]):
        assert "<!channel>" not in shown and "<https://" not in shown
        assert "&lt;!channel&gt; &lt;https://evil.example|click&gt;" in shown
