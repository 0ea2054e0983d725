"""Guests cannot read the decision log unless an admin allows it (issue 13.11).

Single-channel (``is_ultra_restricted``) and multi-channel (``is_restricted``) guests, as Slack's
``users.info`` describes them, get a sentence instead of the list, the search, the next page
(a forged button included), the entry menu and the export, and a Home tab without decisions.
Once an admin switches "Guests" on in the settings, they read it like anyone.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from bot.models import TeamAdmin
from bot.workspaces import team_settings
from tests.conftest import ADMIN, CHANNEL, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_requests import app_home_opened, block_actions, button, slash_command
from tests.support.decisions import make_decision, overflow
from tests.support.settings import open_modal, submit

SINGLE = "U0GUEST01"  # single-channel guest
MULTI = "U0GUEST02"  # multi-channel guest
TITLE = "Wrap a hosted model for support triage"
REFUSAL = "An admin can open it to guests in the settings"  # the catalog's sentence (en)


@pytest.fixture(autouse=True)
def guests(slack_api: FakeSlackAPI, session: Session, services: object) -> None:
    slack_api.add_user(TEAM, SINGLE, is_ultra_restricted=True)
    slack_api.add_user(TEAM, MULTI, is_restricted=True)
    make_decision(session, title=TITLE)


def _command(send, slack_api: FakeSlackAPI, text: str, user: str) -> list[str]:
    """The replies ``user`` got by response_url for the command."""
    before = len(slack_api.calls_to("response_url"))
    url = slack_api.response_url(TEAM, CHANNEL)
    send(slash_command(text, team_id=TEAM, user_id=user, channel_id=CHANNEL, response_url=url))
    return [json.dumps(c.params) for c in slack_api.calls_to("response_url")[before:]]


def _click(send, slack_api: FakeSlackAPI, action: dict, user: str) -> list[str]:
    before = len(slack_api.calls_to("response_url"))
    url = slack_api.response_url(TEAM, CHANNEL)
    send(block_actions([action], team_id=TEAM, user_id=user, channel_id=CHANNEL, response_url=url))
    return [json.dumps(c.params) for c in slack_api.calls_to("response_url")[before:]]


def _home(send, slack_api: FakeSlackAPI, user: str) -> str:
    send(app_home_opened(user, TEAM))
    view = slack_api.home_view(TEAM, user)
    assert view is not None
    return json.dumps(view["blocks"])


@pytest.mark.parametrize("guest", [SINGLE, MULTI], ids=["single_channel", "multi_channel"])
def test_guests_get_a_sentence_instead_of_the_log(send, slack_api, guest: str) -> None:
    for text in ("decisions", "decisions support"):  # the list and a search
        [reply] = _command(send, slack_api, text, guest)
        assert REFUSAL in reply and TITLE not in reply
    # A Next button the guest forged: the server checks it too.
    [reply] = _click(send, slack_api, button("decisions.page.next", json.dumps({"p": 1})), guest)
    assert REFUSAL in reply and TITLE not in reply
    [reply] = _click(send, slack_api, overflow("edit:1"), guest)
    assert REFUSAL in reply
    home = _home(send, slack_api, guest)
    assert TITLE not in home and REFUSAL in home
    assert slack_api.calls_to("files.getUploadURLExternal") == []


def test_members_still_read_the_log(send, slack_api) -> None:
    [reply] = _command(send, slack_api, "decisions", USER)
    assert TITLE in reply
    assert TITLE in _home(send, slack_api, USER)


def test_a_guest_made_app_admin_still_cannot_export(send, slack_api, session) -> None:
    session.add(TeamAdmin(team_id=TEAM, user_id=MULTI, added_by=ADMIN))
    session.commit()
    [reply] = _command(send, slack_api, "export", MULTI)
    assert REFUSAL in reply
    assert slack_api.calls_to("files.getUploadURLExternal") == []


def test_an_admin_can_open_the_log_to_guests_in_the_settings(send, slack_api, session) -> None:
    view = open_modal(send, slack_api)
    switch = next(b for b in view["blocks"] if b.get("block_id") == "guests_read_decisions")
    assert switch["element"]["initial_option"]["value"] == "off"  # closed by default
    response = submit(send, view, guests_read_decisions="on")
    assert response.status == 200
    session.expire_all()
    assert team_settings(session, TEAM).guests_read_decisions is True
    for guest in (SINGLE, MULTI):
        [reply] = _command(send, slack_api, "decisions", guest)
        assert TITLE in reply
        assert TITLE in _home(send, slack_api, guest)


def test_a_guest_cannot_open_the_log_to_guests(send, slack_api, session) -> None:
    [reply] = _command(send, slack_api, "settings", SINGLE)
    assert "Only an admin" in reply
    assert team_settings(session, TEAM).guests_read_decisions is False
