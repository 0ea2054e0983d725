"""A workspace's life cycle and its data: an uninstall cut short is finished by Slack's retry."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import session_scope
from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE, Workspace
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import app_uninstalled, dispatch
from tests.test_oauth import TEAM_A, _count, install, oauth  # noqa: F401 - a fixture


def test_an_uninstall_cut_short_is_finished_by_slacks_retry(
    oauth,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process dies while deleting the tokens (it cannot even give its claim back);
    Slack sends the event again (same id, ``X-Slack-Retry-Num``): at once, it is dropped (the
    first may still be at work); a minute later, it runs, and the tokens are gone."""
    app, services = oauth
    install(app, TEAM_A)
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
    assert _count(services, BOTS_TABLE, TEAM_A) == 1  # the handler did not get that far
    monkeypatch.setattr(store, "delete_all", delete_all)

    def retry(number: int) -> int:
        headers = {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": "http_error"}
        return dispatch(app, body, secret=SIGNING_SECRET, extra_headers=headers).status

    assert retry(1) == 200
    assert _count(services, BOTS_TABLE, TEAM_A) == 1  # too soon to tell a death from slowness
    now += timedelta(minutes=1)
    assert retry(2) == 200
    assert _count(services, BOTS_TABLE, TEAM_A) == 0
    assert _count(services, INSTALLATIONS_TABLE, TEAM_A) == 0
    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).uninstalled_at == now

    # Done now: a later delivery is acknowledged and changes nothing (not even the time).
    now += timedelta(minutes=5)
    assert retry(3) == 200
    with session_scope(services.sessions) as session:
        assert session.get(Workspace, TEAM_A).uninstalled_at == now - timedelta(minutes=5)


def test_an_uninstall_that_failed_runs_again_on_the_first_retry(
    oauth,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A handler that raises (the database away a moment) gives its claim back at once."""
    app, services = oauth
    install(app, TEAM_A)
    store = services.installation_store
    delete_all = store.delete_all

    def fails(**kwargs: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(store, "delete_all", fails)
    body = app_uninstalled(TEAM_A, event_id="Ev0UNINSTAL2")
    dispatch(app, body, secret=SIGNING_SECRET)
    assert _count(services, BOTS_TABLE, TEAM_A) == 1
    monkeypatch.setattr(store, "delete_all", delete_all)
    headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    assert dispatch(app, body, secret=SIGNING_SECRET, extra_headers=headers).status == 200
    assert _count(services, BOTS_TABLE, TEAM_A) == 0
