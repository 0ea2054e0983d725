"""Another workspace naming this team's ids gets "not found" and changes nothing, everywhere."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.models import Decision, DecisionEvent
from tests.conftest import CHANNEL, OTHER_TEAM, USER
from tests.slack_requests import block_actions, button, slash_command, view_submission
from tests.support.clock import Clock
from tests.support.decisions import (
    NOW,
    decide_state,
    make_assessment,
    make_decision,
    metadata,
    overflow,
    posted_texts,
)

NOT_FOUND = "That item doesn't exist, or it belongs to another workspace."


@pytest.fixture(autouse=True)
def _clock(services) -> None:
    services.clock = Clock(NOW)


@pytest.fixture
def victim(session):
    """TEAM's decision and assessment, and a snapshot of everything about them."""
    assessment = make_assessment(session)
    decision = make_decision(session, assessment_id=assessment.id)
    return decision.id, assessment.id


def _snapshot(session) -> tuple:
    session.expire_all()
    rows = session.execute(
        select(
            Decision.id,
            Decision.team_id,
            Decision.title,
            Decision.status,
            Decision.review_date,
            Decision.superseded_by_id,
        ).order_by(Decision.id)
    ).all()
    events = session.scalar(select(func.count()).select_from(DecisionEvent))
    return tuple(rows), events


def _as_other_team(send, slack_api, action: dict):
    url = slack_api.response_url(OTHER_TEAM, CHANNEL)
    return send(
        block_actions(
            [action], team_id=OTHER_TEAM, user_id=USER, channel_id=CHANNEL, response_url=url
        )
    )


@pytest.mark.parametrize("verb", ["revisit", "supersede", "reverse", "edit"])
def test_forged_menu_ids_are_not_found(send, slack_api, session, victim, verb):
    before = _snapshot(session)
    _as_other_team(send, slack_api, overflow(f"{verb}:{victim[0]}"))
    assert posted_texts(slack_api)[-1].startswith(NOT_FOUND)
    assert slack_api.calls_to("views.open") == []
    assert _snapshot(session) == before


@pytest.mark.parametrize(
    "action_id",
    ["decisions.reminder.still_right", "decisions.reminder.revisit", "decisions.reminder.snooze"],
)
def test_forged_reminder_buttons_are_not_found(send, slack_api, session, victim, action_id):
    before = _snapshot(session)
    _as_other_team(send, slack_api, button(action_id, str(victim[0])))
    assert posted_texts(slack_api)[-1].startswith(NOT_FOUND)
    assert slack_api.calls_to("views.open") == []
    assert _snapshot(session) == before


def test_forged_assessment_id_is_not_found(send, slack_api, session, victim):
    _as_other_team(send, slack_api, button("decision.from_assessment", str(victim[1])))
    assert posted_texts(slack_api)[-1].startswith(NOT_FOUND)
    assert slack_api.calls_to("views.open") == []


@pytest.mark.parametrize("meta", ["edit", "supersedes"])
def test_forged_ids_in_a_submitted_modal_are_not_found(send, session, victim, meta):
    before = _snapshot(session)
    body = send(
        view_submission(
            "decisions.save",
            decide_state(title="Forged"),
            team_id=OTHER_TEAM,
            user_id=USER,
            private_metadata=metadata(**{meta: victim[0]}),
        )
    ).body
    assert json.loads(body)["errors"]["title"].startswith(NOT_FOUND)
    assert _snapshot(session) == before


def test_forged_linked_assessment_is_refused_on_its_field(send, session, victim):
    before = _snapshot(session)
    body = send(
        view_submission(
            "decisions.save",
            decide_state(assessment=str(victim[1])),
            team_id=OTHER_TEAM,
            user_id=USER,
        )
    ).body
    assert json.loads(body)["errors"]["assessment"].startswith(NOT_FOUND)
    assert _snapshot(session) == before


@pytest.mark.parametrize("raw", ["abc", "", "-1", "1:2", "9" * 40])
def test_garbage_ids_are_not_found(send, slack_api, session, victim, raw):
    _as_other_team(send, slack_api, button("decisions.reminder.snooze", raw))
    assert posted_texts(slack_api)[-1].startswith(NOT_FOUND)


def test_lists_searches_exports_and_home_show_only_the_teams_own(send, slack_api, session):
    make_decision(session, title="Ours: buy a copilot")
    make_decision(session, team_id=OTHER_TEAM, title="Theirs: build a copilot")
    url = slack_api.response_url(OTHER_TEAM, CHANNEL)
    send(
        slash_command(
            "decisions copilot",
            team_id=OTHER_TEAM,
            user_id=USER,
            channel_id=CHANNEL,
            response_url=url,
        )
    )
    listed = posted_texts(slack_api)[-1]
    assert "Theirs: build a copilot" in listed and "Ours" not in listed
    page = json.dumps({"p": 1, "w": ""})
    _as_other_team(send, slack_api, button("decisions.page.next", page))
    assert "Ours" not in posted_texts(slack_api)[-1]
