"""A workspace's life cycle and its data: an uninstall cut short is finished by Slack's retry;
an uninstalled workspace is purged after the retention period (the feeds it alone added and
the stories only they brought with it); exports, purges and refusals are in the audit trail."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE, AuditEntry, Workspace
from bot.workspaces import ensure_workspace
from tests.conftest import ADMIN, SIGNING_SECRET, TEAM, USER
from tests.slack_requests import app_uninstalled, dispatch
from tests.support.decisions import make_decision
from tests.support.oauth import TEAM_A, count_rows, install
from tests.support.slack import command


def test_an_uninstall_cut_short_is_finished_by_slacks_retry(
    oauth,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process dies while deleting the tokens (it cannot even give its claim back);
    Slack sends the event again (same id, ``X-Slack-Retry-Num``): at once, it is dropped (the
    first may still be at work); a minute later, it runs, and the tokens are gone."""
    app, services = oauth
    install(oauth, TEAM_A)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    services.clock = lambda: now
    store = services.installation_store
    delete_all = store.delete_all

    def dies(**kwargs: object) -> None:
        raise SystemExit("worker killed mid-handler")

    monkeypatch.setattr(store, "delete_all", dies)
    monkeypatch.setattr("handlers.context.give_back", lambda session, event_id: None)
    body = app_uninstalled(TEAM_A, event_id="Ev0UNINSTAL1")
    with contextlib.suppress(SystemExit):
        dispatch(app, body, secret=SIGNING_SECRET)
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 1  # the handler did not get that far
    monkeypatch.setattr(store, "delete_all", delete_all)

    def retry(number: int) -> int:
        headers = {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": "http_error"}
        return dispatch(app, body, secret=SIGNING_SECRET, extra_headers=headers).status

    assert retry(1) == 200
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 1  # too soon to tell a death from slowness
    now += timedelta(minutes=1)
    assert retry(2) == 200
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 0
    assert count_rows(services, INSTALLATIONS_TABLE, TEAM_A) == 0
    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).uninstalled_at == now

    # Done now: a later delivery is acknowledged and changes nothing (not even the time).
    now += timedelta(minutes=5)
    assert retry(3) == 200
    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).uninstalled_at == now - timedelta(minutes=5)


def test_an_uninstall_that_failed_runs_again_on_the_first_retry(
    oauth,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A handler that raises (the database away a moment) gives its claim back at once."""
    app, services = oauth
    install(oauth, TEAM_A)
    store = services.installation_store
    delete_all = store.delete_all

    def fails(**kwargs: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(store, "delete_all", fails)
    body = app_uninstalled(TEAM_A, event_id="Ev0UNINSTAL2")
    dispatch(app, body, secret=SIGNING_SECRET)
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 1
    monkeypatch.setattr(store, "delete_all", delete_all)
    headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert dispatch(app, body, secret=SIGNING_SECRET, extra_headers=headers).status == 200
    assert count_rows(services, BOTS_TABLE, TEAM_A) == 0


# ----------------------------------------------------------------------- retention (the worker)

RETAINED = "T0RETAINED"
REINSTALLED = "T0REINSTAL"


def _job(job_id: str):  # noqa: ANN202
    from bot.scheduler import JOBS

    [job] = [j for j in JOBS if j.id == job_id]
    return job


def test_uninstalled_workspaces_are_purged_after_thirty_days_unless_reinstalled(
    services, session
) -> None:
    from bot.models import Decision, Feed, NewsItem, NewsItemSource, TeamFeed

    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    services.clock = lambda: now
    shared = Feed(url="https://news.example/shared.xml")
    secret = Feed(url="https://user:hunter2@intranet.example/private.xml")
    session.add_all([shared, secret])
    session.flush()
    only_theirs = NewsItem(key="a" * 64, canonical_url="https://intranet.example/1", title="Ours")
    both = NewsItem(key="b" * 64, canonical_url="https://news.example/2", title="Everyone's")
    session.add_all([only_theirs, both])
    session.flush()
    session.add_all(
        [
            NewsItemSource(item_id=only_theirs.id, feed_id=secret.id, source_name="x", url="u"),
            NewsItemSource(item_id=both.id, feed_id=secret.id, source_name="x", url="u"),
            NewsItemSource(item_id=both.id, feed_id=shared.id, source_name="y", url="v"),
        ]
    )
    for team, gone in ((TEAM, 31), (RETAINED, 29), (REINSTALLED, None)):
        workspace = ensure_workspace(session, team)
        workspace.uninstalled_at = now - timedelta(days=gone) if gone else None
        make_decision(session, team_id=team, title=f"{team}'s call")
        session.add(TeamFeed(team_id=team, feed_id=shared.id))
    session.add(TeamFeed(team_id=TEAM, feed_id=secret.id))
    session.commit()
    secret_id, only_id, both_id = secret.id, only_theirs.id, both.id

    job = _job("maintenance.purge_uninstalled")
    assert job.run(services) == [TEAM]
    session.expire_all()
    teams = set(session.scalars(select(Decision.team_id)))
    assert teams == {RETAINED, REINSTALLED}
    assert session.get(Workspace, TEAM) is None
    assert session.get(Feed, secret_id) is None  # its URL held a password
    assert session.get(NewsItem, only_id) is None
    assert session.get(NewsItem, both_id) is not None  # another feed carried it
    assert session.scalar(select(func.count()).select_from(TeamFeed)) == 2  # the shared feed
    entry = session.scalars(select(AuditEntry).where(AuditEntry.team_id == TEAM)).one()
    assert (entry.user_id, entry.action) == ("system", "data.purged")
    assert job.run(services) == []  # nothing more to do


# ------------------------------------------------------------------------------ the audit trail


def test_an_export_is_in_the_audit_trail(send, slack_api, session) -> None:
    make_decision(session)
    session.commit()
    assert send(command(slack_api, "export", ADMIN)).status == 200
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "decisions.exported")
    ).one()
    assert (entry.team_id, entry.user_id, entry.changes) == (TEAM, ADMIN, {"rows": 1})


def test_a_refused_admin_action_is_in_the_audit_trail(send, slack_api, session) -> None:
    assert send(command(slack_api, "settings", USER)).status == 200
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "admin.refused")).one()
    assert (entry.team_id, entry.user_id) == (TEAM, USER)
