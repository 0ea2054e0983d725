"""The app as Slack sees it: signed requests dispatched to the real app, the fake Slack API."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from bot.cache import TeamCache
from bot.models import ProcessedEvent, TeamSettings, Workspace
from bot.services import TEAMS_CACHE_SECONDS
from tests.conftest import CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.slack_requests import app_home_opened, dispatch, slash_command


def _ephemeral(response) -> dict:
    assert response.status == 200, response.body
    body = json.loads(response.body)
    assert body["response_type"] == "ephemeral"
    return body


@pytest.mark.parametrize("text", ["help", "", "   HELP  "])
def test_help_lists_the_subcommands(send, text: str) -> None:
    body = _ephemeral(send(slash_command(text, team_id=TEAM, user_id=USER, channel_id=CHANNEL)))
    assert "/buildvsbuy help" in body["text"]
    assert "I don't know" not in body["text"] + json.dumps(body["blocks"])
    from tests.fakes.blockkit import validate_blocks

    assert validate_blocks(body["blocks"]) == []


def test_unknown_subcommand_gets_the_help_and_names_it(send) -> None:
    body = _ephemeral(
        send(slash_command("frobnicate now", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    )
    blocks = json.dumps(body["blocks"])
    assert "I don't know `frobnicate`" in blocks
    assert "/buildvsbuy help" in blocks


def test_help_follows_a_language_changed_elsewhere_within_the_cache_time(
    send, session, services
) -> None:
    now = [1000.0]
    services.teams = TeamCache(TEAMS_CACHE_SECONDS, clock=lambda: now[0])

    def help_text() -> str:
        return _ephemeral(
            send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
        )["text"]

    assert "shows this help" in help_text()
    session.get(TeamSettings, TEAM).language = "fr"  # as another process would
    session.commit()
    now[0] += TEAMS_CACHE_SECONDS - 0.5
    assert "shows this help" in help_text()  # a burst of requests costs one read
    now[0] += 1.0
    assert "affiche cette aide" in help_text()


def test_first_request_creates_the_workspace_with_default_settings(send, session) -> None:
    send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    workspace = session.get(Workspace, TEAM)
    assert workspace is not None
    assert (
        workspace.settings.language,
        workspace.settings.digest_days,
        workspace.settings.digest_time,
        workspace.settings.digest_items,
    ) == ("en", "mon", "09:00", 8)


def test_forged_signature_is_refused_and_nothing_runs(app, slack_api, session) -> None:
    body = slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    response = dispatch(app, body, secret="not-the-secret")
    assert response.status == 401
    assert session.get(Workspace, TEAM) is None


def test_stale_timestamp_is_refused(app, session) -> None:
    body = slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)
    response = dispatch(app, body, secret=SIGNING_SECRET, timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    assert session.get(Workspace, TEAM) is None


def test_event_retries_are_processed_once(send, session, slack_api) -> None:
    body = app_home_opened(USER, team_id=TEAM, event_id="Ev0123RETRY")
    first = send(body)
    assert first.status == 200
    for retry in (1, 2, 3):
        again = send(
            body,
            extra_headers={"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert again.status == 200
    count = session.scalar(
        select(func.count())
        .select_from(ProcessedEvent)
        .where(ProcessedEvent.event_id == "Ev0123RETRY")
    )
    assert count == 1
    assert len(slack_api.calls_to("views.publish")) == 1
