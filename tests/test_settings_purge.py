"""Deleting a team's data: nothing of it left in any table, nothing of another team touched.

Checked table by table on SQLite and PostgreSQL, from Slack (Delete all data), from the shell
(``python -m bot purge``), and around an uninstall and a reinstall.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

import handlers
from bot.app import create_app
from bot.db import make_engine, make_session_factory, session_scope, upgrade_to_head
from bot.models import (
    BOTS_TABLE,
    INSTALLATIONS_TABLE,
    AssessmentRow,
    AuditEntry,
    Base,
    Decision,
    DecisionEvent,
    DigestDelivery,
    DigestRecipient,
    DigestSentItem,
    Feed,
    LlmUsage,
    NewsItem,
    ProcessedEvent,
    ReviewReminder,
    TeamAdmin,
    TeamFeed,
    TeamRound,
    TeamRoundMember,
    TeamSettings,
    Workspace,
    team_tables,
)
from bot.services import Services
from bot.team_config import purge_team
from bot.team_config.cli import main as purge_main
from bot.views.ids import SETTINGS_DELETE as DELETE_ACTION
from bot.workspaces import ensure_workspace
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, SIGNING_SECRET, TEAM, USER
from tests.fakes.blockkit import validate_view
from tests.slack_requests import (
    app_uninstalled,
    block_actions,
    button,
    dispatch,
    slash_command,
    submitted_view,
    view_submission,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def seed_shared(session: Session) -> tuple[int, int]:
    """A feed and a story every team may share (they are not any team's data)."""
    feed = Feed(url="https://news.example/feed.xml", title="News")
    item = NewsItem(key="k" * 64, canonical_url="https://news.example/1", title="A story")
    session.add_all([feed, item])
    session.flush()
    return feed.id, item.id


def seed_team(session: Session, team_id: str, feed_id: int, item_id: int) -> None:
    """One row (or more) of ``team_id`` in every table that has a team_id."""
    ensure_workspace(session, team_id, installer_user_id=ADMIN)
    assessment = AssessmentRow(
        team_id=team_id,
        user_id=USER,
        title="Support bot",
        answers={},
        result={},
        verdict="wrap",
        engine_version="1",
    )
    session.add(assessment)
    session.flush()
    decision = Decision(
        team_id=team_id,
        title="Wrap GPT",
        verdict="wrap",
        owner_id=USER,
        created_by=USER,
        assessment_id=assessment.id,
    )
    session.add(decision)
    session.flush()
    session.add_all(
        [
            TeamAdmin(team_id=team_id, user_id=USER, added_by=ADMIN),
            DigestRecipient(team_id=team_id, user_id=USER, role="manager"),
            AuditEntry(team_id=team_id, user_id=ADMIN, action="settings.update", changes={}),
            DecisionEvent(team_id=team_id, decision_id=decision.id, user_id=USER, action="created"),
            ReviewReminder(team_id=team_id, decision_id=decision.id, review_date=date(2026, 6, 1)),
            TeamFeed(team_id=team_id, feed_id=feed_id, added_by=ADMIN),
            DigestDelivery(team_id=team_id, period="2026-W10", recipient=f"channel:{CHANNEL}"),
            DigestSentItem(team_id=team_id, item_id=item_id),
            ProcessedEvent(event_id=f"Ev{team_id}", team_id=team_id),
            LlmUsage(team_id=team_id, day=date(2026, 12, 1), calls=3),
            TeamRound(
                team_id=team_id,
                channel_id=CHANNEL,
                starter_id=USER,
                title="Team round",
                deadline_at=NOW,
                remind_at=NOW,
                assessment_id=assessment.id,
                members=[TeamRoundMember(team_id=team_id, user_id=USER, position=0, answers={})],
            ),
        ]
    )
    session.flush()
    common = {
        "client_id": "1111.2222",
        "app_id": "A0APP0001",
        "team_id": team_id,
        "bot_token": f"xoxb-{team_id}",
        "installed_at": NOW,
    }
    session.execute(insert(INSTALLATIONS_TABLE).values(user_id=ADMIN, **common))
    session.execute(insert(BOTS_TABLE).values(**common))
    session.flush()


def counts(session: Session, team_id: str) -> dict[str, int]:
    """Rows of ``team_id`` per table, counted here independently of the code under test."""
    tables = Base.metadata.tables
    return {
        name: session.scalar(
            select(func.count()).select_from(tables[name]).where(tables[name].c.team_id == team_id)
        )
        for name in sorted(team_tables())
    }


def shared_counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Feed)),
        session.scalar(select(func.count()).select_from(NewsItem)),
    )


@pytest.fixture
def two_teams(session: Session) -> dict[str, dict[str, int]]:
    feed_id, item_id = seed_shared(session)
    seed_team(session, TEAM, feed_id, item_id)
    seed_team(session, OTHER_TEAM, feed_id, item_id)
    session.commit()
    before = {team: counts(session, team) for team in (TEAM, OTHER_TEAM)}
    # Every team table has something to delete, or this test would prove nothing for it.
    assert [name for name, n in before[TEAM].items() if n == 0] == []
    assert {"slack_installations", "slack_bots"} <= before[TEAM].keys()
    return before


def test_purge_leaves_nothing_of_the_team_in_any_table(session, two_teams) -> None:
    deleted = purge_team(session, TEAM)
    session.commit()
    assert deleted == two_teams[TEAM]
    left = counts(session, TEAM)
    assert {name: n for name, n in left.items() if n} == {"audit_log": 1}  # the purge's own
    assert counts(session, OTHER_TEAM) == two_teams[OTHER_TEAM]
    assert shared_counts(session) == (1, 1)


def test_a_purged_team_starts_again_with_default_settings(session, two_teams) -> None:
    session.get(TeamSettings, TEAM).language = "fr"
    session.commit()
    purge_team(session, TEAM)
    session.commit()
    workspace = ensure_workspace(session, TEAM)
    session.commit()
    assert (
        workspace.installer_user_id,
        workspace.settings.language,
        workspace.settings.digest_items,
    ) == (None, "en", 8)


# ----------------------------------------------------------------------- from Slack


def _open_settings(send, slack_api) -> dict:
    send(slash_command("settings", team_id=TEAM, user_id=ADMIN, channel_id=CHANNEL))
    return slack_api.calls_to("views.open")[-1].params["view"]


def _click_delete(send, view: dict, user: str):
    settings_view = submitted_view(
        "settings", {}, team_id=TEAM, private_metadata=view["private_metadata"]
    )
    return send(
        block_actions(
            [button(DELETE_ACTION, "delete", block_id="danger")],
            team_id=TEAM,
            user_id=user,
            view=settings_view,
        )
    )


def _confirm(send, view: dict, user: str):
    return send(
        view_submission(
            "settings.purge",
            {},
            team_id=TEAM,
            user_id=user,
            private_metadata=view["private_metadata"],
        )
    )


def test_an_admin_deletes_all_data_after_seeing_what_will_go(
    send, slack_api, session, two_teams
) -> None:
    view = _open_settings(send, slack_api)
    assert _click_delete(send, view, ADMIN).status == 200
    [push] = slack_api.calls_to("views.push")
    confirmation = push.params["view"]
    assert validate_view(confirmation) == []
    listed = json.dumps(confirmation, ensure_ascii=False)
    for line in (
        "• Assessments: 1",
        "• Decisions: 1",
        "• App admins: 1",
        "• Bot tokens: 1",
        "• Settings: 1",
        "reinstall it",
    ):
        assert line in listed

    response = _confirm(send, confirmation, ADMIN)
    assert json.loads(response.body) == {"response_action": "clear"}
    assert {name: n for name, n in counts(session, TEAM).items() if n} == {"audit_log": 1}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.team_id == TEAM)).one()
    assert (entry.user_id, entry.action) == (ADMIN, "data.purged")
    assert entry.changes["deleted"]["decisions"] == 1
    assert counts(session, OTHER_TEAM) == two_teams[OTHER_TEAM]
    [done] = slack_api.calls_to("chat.postEphemeral")
    assert done.params["text"].startswith("Done. Everything the app kept")

    # A new first request recreates the workspace, with the product's defaults.
    reopened = _open_settings(send, slack_api)
    language = next(b for b in reopened["blocks"] if b.get("block_id") == "language")
    assert language["element"]["initial_option"]["value"] == "en"
    session.expire_all()
    assert session.get(TeamSettings, TEAM).digest_days == "mon"


def test_a_forged_delete_click_from_a_non_admin_deletes_nothing(
    send, slack_api, session, two_teams
) -> None:
    stranger = "U0STRANGR"  # the seeded team lists USER as an app admin
    slack_api.add_user(TEAM, stranger)
    view = _open_settings(send, slack_api)
    _click_delete(send, view, stranger)
    assert slack_api.calls_to("views.push") == []
    [dm] = slack_api.calls_to("chat.postMessage")
    assert dm.params["channel"] == stranger
    assert dm.params["text"] == f"Only an admin can do that. Ask <@{ADMIN}>, <@{USER}>."
    _nothing_deleted_and_the_refusal_audited(session, two_teams, stranger)


def _nothing_deleted_and_the_refusal_audited(session, two_teams, stranger: str) -> None:  # noqa: ANN001
    """Issue 13.11: a refused admin attempt is in the audit trail, not only the log."""
    assert counts(session, TEAM) == {
        **two_teams[TEAM],
        "audit_log": two_teams[TEAM]["audit_log"] + 1,
    }
    refused = session.scalars(
        select(AuditEntry).where(AuditEntry.team_id == TEAM, AuditEntry.action == "admin.refused")
    ).one()
    assert refused.user_id == stranger


def test_a_forged_confirmation_from_a_non_admin_deletes_nothing(
    send, slack_api, session, two_teams
) -> None:
    stranger = "U0STRANGR"  # the seeded team lists USER as an app admin
    slack_api.add_user(TEAM, stranger)
    response = _confirm(send, {"private_metadata": ""}, stranger)
    body = json.loads(response.body)
    assert body["response_action"] == "update"
    assert "Only an admin can do that." in json.dumps(body["view"])
    _nothing_deleted_and_the_refusal_audited(session, two_teams, stranger)


# ----------------------------------------------------------------------- from the shell


@pytest.fixture
def shell_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    upgrade_to_head(url)
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        feed_id, item_id = seed_shared(session)
        seed_team(session, TEAM, feed_id, item_id)
        seed_team(session, OTHER_TEAM, feed_id, item_id)
    yield sessions
    engine.dispose()


def _run(args: list[str], typed: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = purge_main(args, stdin=io.StringIO(typed), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_purge_with_yes_deletes_and_prints_what_it_deleted(shell_db) -> None:
    code, out, err = _run(["--team", TEAM, "--yes"])
    assert (code, err) == (0, "")
    assert "deleted assessments: 1\n" in out
    assert "deleted slack_bots: 1\n" in out
    assert out.endswith(f"Purged {TEAM}: 18 rows.\n")  # one row in each of the 18 tables
    with session_scope(shell_db) as session:
        assert {n: c for n, c in counts(session, TEAM).items() if c} == {"audit_log": 1}
        assert sum(counts(session, OTHER_TEAM).values()) == 18


def test_purge_without_yes_wants_the_team_id_typed_back(shell_db) -> None:
    code, _, err = _run(["--team", TEAM], typed="T0999ZZZZ\n")
    assert code == 1
    assert "nothing was deleted" in err
    with session_scope(shell_db) as session:
        assert counts(session, TEAM)["assessments"] == 1
    code, out, _ = _run(["--team", TEAM], typed=f"{TEAM}\n")
    assert code == 0
    assert f"Type the team id ({TEAM})" in out
    with session_scope(shell_db) as session:
        assert {n: c for n, c in counts(session, TEAM).items() if c} == {"audit_log": 1}
        entry = session.scalars(select(AuditEntry).where(AuditEntry.team_id == TEAM)).one()
        assert (entry.user_id, entry.action) == ("cli", "data.purged")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--team", "acme; DROP TABLE"], "is not a Slack team id"),
        ([], "the following arguments are required: --team"),
    ],
)
def test_purge_refuses_bad_arguments(shell_db, args: list[str], expected: str) -> None:
    code, out, err = _run(args)
    assert (code, out) == (2, "")
    assert expected in err


def test_purge_of_an_unknown_team_deletes_nothing(shell_db) -> None:
    assert _run(["--team", "T0NOBODY0", "--yes"])[:2] == (0, "Nothing to delete for T0NOBODY0.\n")


# ----------------------------------------------------------------------- uninstall, reinstall


CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"
INSTALLER = "U0INSTALL"


def _install(app, slack_api) -> None:
    slack_api.add_oauth_code("code-1", team_id=TEAM, user_id=INSTALLER)
    started = app.oauth_flow.handle_installation(BoltRequest(body="", query="", headers={}))
    state = SimpleCookie(started.headers["set-cookie"][0])["slack-app-oauth-state"].value
    done = app.oauth_flow.handle_callback(
        BoltRequest(
            body="",
            query=f"code=code-1&state={state}",
            headers={"cookie": f"slack-app-oauth-state={state}"},
        )
    )
    assert done.status == 200


def test_uninstall_drops_the_tokens_and_a_reinstall_after_a_purge_starts_clean(
    settings_factory, slack_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'oauth.db'}"
    upgrade_to_head(url)
    monkeypatch.setenv("DATABASE_URL", url)
    slack_api.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    slack_api.add_team(TEAM, bot_token="xoxb-team-token")
    slack_api.add_user(TEAM, INSTALLER, tz="America/New_York")
    settings = settings_factory(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        DATABASE_URL=url,
        SLACK_API_BASE_URL=slack_api.base_url,
    )
    services = Services.from_settings(settings)
    app = create_app(settings, services, register=handlers.register, process_before_response=True)
    try:
        _install(app, slack_api)
        with session_scope(services.sessions) as session:
            session.get(TeamSettings, TEAM).language = "fr"
            session.add(TeamAdmin(team_id=TEAM, user_id=USER, added_by=INSTALLER))
        dispatch(app, app_uninstalled(TEAM), secret=SIGNING_SECRET)
        with session_scope(services.sessions) as session:
            left = counts(session, TEAM)
            assert (left["slack_installations"], left["slack_bots"]) == (0, 0)
            assert left["team_settings"] == 1  # settings stay until someone purges them

        assert _run(["--team", TEAM, "--yes"])[0] == 0
        _install(app, slack_api)
        with session_scope(services.sessions) as session:
            workspace = session.get(Workspace, TEAM)
            assert (workspace.installer_user_id, workspace.installer_tz) == (
                INSTALLER,
                "America/New_York",
            )
            assert (workspace.settings.language, workspace.settings.digest_days) == ("en", "mon")
            assert session.scalars(select(TeamAdmin)).all() == []
            assert counts(session, TEAM)["slack_bots"] == 1
    finally:
        services.engine.dispose()
