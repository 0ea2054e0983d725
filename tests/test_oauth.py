"""Multi-workspace installs: OAuth into our database, and uninstall deleting the tokens.

The install flow goes over HTTP through the production WSGI edge (``bot.web``), as a browser
goes through it: ``GET /slack/install``, then Slack's redirect to ``/slack/oauth_redirect``.
Every test runs on SQLite and on PostgreSQL (a schema of its own: the installation store
commits for real).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_bolt import BoltRequest
from sqlalchemy import func, select

import handlers
from bot.app import create_app
from bot.db import session_scope
from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE, AuditEntry, Workspace
from bot.scheduler import JOBS, prune_oauth_states
from bot.services import Services
from bot.web import INSTALL_PAGES_PER_CLIENT, make_wsgi_app
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import (
    app_uninstalled,
    content_type_of,
    dispatch,
    sign,
    slash_command,
    tokens_revoked,
)
from tests.support.abuse import call_wsgi
from tests.support.decisions import posted_texts
from tests.support.oauth import (
    CLIENT_ID,
    CLIENT_SECRET,
    KEY_A,
    KEY_B,
    TEAM_A,
    TEAM_B,
    TOKEN_A,
    TOKEN_B,
    count_rows,
    install,
)


def test_install_stores_the_token_and_the_installer(oauth) -> None:
    app, services = oauth
    assert install(oauth, TEAM_A) == 200
    assert count_rows(services, INSTALLATIONS_TABLE, TEAM_A) == 1
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 1
    with session_scope(services.sessions) as session:
        workspace = session.get(Workspace, TEAM_A)
        assert (workspace.installer_user_id, workspace.installer_tz) == (
            "U0AINSTAL",
            "America/New_York",
        )


def test_each_workspace_is_answered_with_its_own_token(oauth, slack_api) -> None:
    app, _ = oauth
    install(oauth, TEAM_A)
    install(oauth, TEAM_B)
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
    assert count_rows(services, INSTALLATIONS_TABLE, TEAM_A) == 0


def test_uninstall_deletes_that_workspaces_tokens_only(oauth) -> None:
    app, services = oauth
    install(oauth, TEAM_A)
    install(oauth, TEAM_B)
    response = dispatch(app, app_uninstalled(TEAM_A), secret=SIGNING_SECRET)
    assert response.status == 200
    assert count_rows(services, INSTALLATIONS_TABLE, TEAM_A) == 0
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 0
    assert count_rows(services, BOTS_TABLE, TEAM_B) == 1
    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).uninstalled_at is not None
        assert session.get(Workspace, TEAM_B).uninstalled_at is None


def test_tokens_revoked_deletes_the_bot_token(oauth) -> None:
    app, services = oauth
    install(oauth, TEAM_A)
    response = dispatch(app, tokens_revoked(TEAM_A, ["U0BOT"]), secret=SIGNING_SECRET)
    assert response.status == 200
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 0


def _command_over_http(oauth, slack_api, team: str, user: str, text: str) -> int:
    body = slash_command(
        text,
        team_id=team,
        user_id=user,
        channel_id="C0GENERAL",
        response_url=slack_api.response_url(team, "C0GENERAL"),
    )
    headers = {"Content-Type": content_type_of(body), **sign(body, SIGNING_SECRET)}
    return call_wsgi(make_wsgi_app(*oauth), body.encode(), headers)[0]


def test_a_reinstall_by_a_plain_member_grants_no_admin_rights_and_is_audited(
    oauth, slack_api
) -> None:
    _, services = oauth
    assert install(oauth, TEAM_A) == 200  # U0AINSTAL, a plain member, installs first
    slack_api.add_user(TEAM_A, "U0AMEMBER")
    slack_api.add_oauth_code("code-again", team_id=TEAM_A, user_id="U0AMEMBER")
    assert install(oauth, TEAM_A, code="code-again") == 200

    assert _command_over_http(oauth, slack_api, TEAM_A, "U0AMEMBER", "export") == 200
    assert slack_api.calls_to("files.getUploadURLExternal") == []
    assert "Only an admin can do that" in posted_texts(slack_api)[-1]
    assert _command_over_http(oauth, slack_api, TEAM_A, "U0AINSTAL", "export") == 200
    assert len(slack_api.calls_to("files.getUploadURLExternal")) == 1  # still an admin

    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).installer_user_id == "U0AINSTAL"
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.team_id == TEAM_A).order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.user_id, e.changes) for e in entries] == [
            (
                "admins.installer",
                "U0AINSTAL",
                {"installer": {"before": None, "after": "U0AINSTAL"}},
            ),
            ("app.reinstalled", "U0AMEMBER", {}),
            ("admin.refused", "U0AMEMBER", {}),  # the re-installer's export
            ("decisions.exported", "U0AINSTAL", {"rows": 0}),  # the first installer's
        ]


def _states(services: Services) -> int:
    with services.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(OAUTH_STATES_TABLE))


def test_anonymous_install_pages_are_limited_per_client_and_their_states_pruned(oauth) -> None:
    app, services = oauth
    edge = make_wsgi_app(app, services)

    def page(client: str) -> int:
        return call_wsgi(edge, b"", {}, method="GET", path="/slack/install", client=client)[0]

    statuses = Counter(page("203.0.113.7") for _ in range(2000))
    assert INSTALL_PAGES_PER_CLIENT == 10
    assert statuses == {200: 10, 429: 1990}
    assert _states(services) == 10  # not 2,000
    assert page("198.51.100.9") == 200  # someone else still gets the page
    assert _states(services) == 11

    assert prune_oauth_states(services) == 0  # none has expired yet
    services.clock = lambda: datetime.now(UTC) + timedelta(minutes=11)  # states live 10
    assert prune_oauth_states(services) == 11
    assert _states(services) == 0
    assert [job.minutes for job in JOBS if job.id == "maintenance.prune_oauth_states"] == [60]


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_the_install_limit_counts_clients_behind_a_trusted_proxy_only(
    oauth, behind_proxy: bool
) -> None:
    app, services = oauth
    services.settings = services.settings.model_copy(update={"TRUST_X_FORWARDED_FOR": behind_proxy})
    edge = make_wsgi_app(app, services)
    statuses = Counter(
        call_wsgi(
            edge,
            b"",
            {"X-Forwarded-For": f"198.51.100.1, 203.0.113.{n}"},  # the proxy appended the last
            method="GET",
            path="/slack/install",
            client="10.0.0.2",  # the proxy
        )[0]
        for n in range(20)
    )
    assert statuses == ({200: 20} if behind_proxy else {200: 10, 429: 10})


def _rows(services: Services) -> list[dict]:
    with services.engine.connect() as conn:
        return [
            dict(row)
            for table in (INSTALLATIONS_TABLE, BOTS_TABLE)
            for row in conn.execute(select(table)).mappings()
        ]


def test_tokens_are_not_in_the_tables_and_a_reinstall_keeps_one_row(oauth, slack_api) -> None:
    app, services = oauth
    install(oauth, TEAM_A)
    slack_api.add_oauth_code("code-again", team_id=TEAM_A, user_id="U0AINSTAL")
    install(oauth, TEAM_A, code="code-again")
    install(oauth, TEAM_B)
    rows = _rows(services)
    assert len(rows) == 4  # one installation and one bot per workspace, however many installs
    stored = repr(rows)
    assert "xoxb-" not in stored and TOKEN_A not in stored and TOKEN_B not in stored
    assert all(row["bot_token"].startswith("fernet:") for row in rows)
    response = dispatch(  # the app still reads its token
        app,
        slash_command("help", team_id=TEAM_A, user_id="U0AINSTAL", channel_id="C0GENERAL"),
        secret=SIGNING_SECRET,
    )
    assert "/buildvsbuy help" in response.body


def test_keys_rotate_b_then_a_reads_a_and_the_cli_moves_every_row_to_b(
    oauth, slack_api, settings_factory, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from bot.cli import main

    app, services = oauth
    install(oauth, TEAM_A)  # sealed with A
    rotated = services.settings.model_copy(update={"TOKEN_ENCRYPTION_KEYS": f"{KEY_B},{KEY_A}"})
    rotated_services = Services.from_settings(rotated)
    rotated_app = create_app(
        rotated, rotated_services, register=handlers.register, process_before_response=True
    )
    assert (
        rotated_services.installation_store.find_bot(enterprise_id=None, team_id=TEAM_A).bot_token
        == TOKEN_A
    )
    response = dispatch(
        rotated_app,
        slash_command("help", team_id=TEAM_A, user_id="U0AINSTAL", channel_id="C0GENERAL"),
        secret=SIGNING_SECRET,
    )
    assert "/buildvsbuy help" in response.body

    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "DATABASE_URL"):
        monkeypatch.setenv(name, str(getattr(rotated, name)))
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", f"{KEY_B},{KEY_A}")
    assert main(["reencrypt-tokens"]) == 0
    only_b = Fernet(KEY_B)
    for row in _rows(services):
        assert only_b.decrypt(row["bot_token"].removeprefix("fernet:").encode()).decode() == TOKEN_A
    captured = capsys.readouterr()
    assert KEY_A not in captured.err + captured.out and KEY_B not in captured.err + captured.out
    rotated_services.engine.dispose()


def test_an_oauth_deployment_does_not_start_without_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    for name, value in (
        ("SLACK_CLIENT_ID", CLIENT_ID),
        ("SLACK_CLIENT_SECRET", CLIENT_SECRET),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
        ("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}"),
    ):
        monkeypatch.setenv(name, value)
    for command in ("web", "worker"):
        assert main([command]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("config error: TOKEN_ENCRYPTION_KEYS is missing")
