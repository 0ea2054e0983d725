"""Multi-workspace installs: OAuth into our database, and uninstall deleting the tokens."""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import func, select

import handlers
from bot.app import BOT_SCOPES, create_app
from bot.db import session_scope, upgrade_to_head
from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE, Workspace
from bot.services import Services
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import app_uninstalled, dispatch, slash_command, tokens_revoked

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"
TEAM_A, TEAM_B = "T0AAAAAAA", "T0BBBBBBB"
TOKEN_A, TOKEN_B = "xoxb-team-a-token", "xoxb-team-b-token"


@pytest.fixture
def oauth(settings_factory, slack_api, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'oauth.db'}"
    upgrade_to_head(url)
    slack_api.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    for team, token, installer in ((TEAM_A, TOKEN_A, "U0AINSTAL"), (TEAM_B, TOKEN_B, "U0BINSTAL")):
        slack_api.add_team(team, bot_token=token, name=team)
        slack_api.add_user(team, installer, tz="America/New_York")
        slack_api.add_channel(team, "C0GENERAL")
        slack_api.add_oauth_code(f"code-{team}", team_id=team, user_id=installer)
    settings = settings_factory(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_API_BASE_URL=slack_api.base_url,
        DATABASE_URL=url,
    )
    services = Services.from_settings(settings)
    app = create_app(settings, services, register=handlers.register, process_before_response=True)
    yield app, services
    services.engine.dispose()


def install(app, team: str) -> int:
    started = app.oauth_flow.handle_installation(BoltRequest(body="", query="", headers={}))
    assert started.status == 200
    cookie = SimpleCookie(started.headers["set-cookie"][0])
    state = cookie["slack-app-oauth-state"].value
    link = started.body.split('<a href="')[1].split('"')[0]
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    done = app.oauth_flow.handle_callback(
        BoltRequest(
            body="",
            query=f"code=code-{team}&state={state}",
            headers={"cookie": f"slack-app-oauth-state={state}"},
        )
    )
    return done.status


def _count(services: Services, table, team: str) -> int:
    with services.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table).where(table.c.team_id == team))


def test_install_stores_the_token_and_the_installer(oauth) -> None:
    app, services = oauth
    assert install(app, TEAM_A) == 200
    assert _count(services, INSTALLATIONS_TABLE, TEAM_A) == 1
    assert _count(services, BOTS_TABLE, TEAM_A) == 1
    with session_scope(services.sessions) as session:
        workspace = session.get(Workspace, TEAM_A)
        assert (workspace.installer_user_id, workspace.installer_tz) == (
            "U0AINSTAL",
            "America/New_York",
        )


def test_each_workspace_is_answered_with_its_own_token(oauth, slack_api) -> None:
    app, _ = oauth
    install(app, TEAM_A)
    install(app, TEAM_B)
    response = dispatch(
        app,
        slash_command("help", team_id=TEAM_B, user_id="U0BINSTAL", channel_id="C0GENERAL"),
        secret=SIGNING_SECRET,
    )
    assert response.status == 200
    assert "/buildvsbuy help" in response.body


def test_a_replayed_or_forged_state_is_refused(oauth) -> None:
    app, services = oauth
    done = app.oauth_flow.handle_callback(
        BoltRequest(
            body="",
            query=f"code=code-{TEAM_A}&state=made-up",
            headers={"cookie": "slack-app-oauth-state=made-up"},
        )
    )
    assert done.status == 401
    assert _count(services, INSTALLATIONS_TABLE, TEAM_A) == 0


def test_uninstall_deletes_that_workspaces_tokens_only(oauth) -> None:
    app, services = oauth
    install(app, TEAM_A)
    install(app, TEAM_B)
    response = dispatch(app, app_uninstalled(TEAM_A), secret=SIGNING_SECRET)
    assert response.status == 200
    assert _count(services, INSTALLATIONS_TABLE, TEAM_A) == 0
    assert _count(services, BOTS_TABLE, TEAM_A) == 0
    assert _count(services, BOTS_TABLE, TEAM_B) == 1
    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).uninstalled_at is not None
        assert session.get(Workspace, TEAM_B).uninstalled_at is None


def test_tokens_revoked_deletes_the_bot_token(oauth) -> None:
    app, services = oauth
    install(app, TEAM_A)
    response = dispatch(app, tokens_revoked(TEAM_A, ["U0BOT"]), secret=SIGNING_SECRET)
    assert response.status == 200
    assert _count(services, BOTS_TABLE, TEAM_A) == 0
