"""PostgreSQL drops the app's connections mid-run: it recovers by itself, and no write is lost.

The PostgreSQL server is shared (CI, other tests), so it is never restarted: the equivalent done
here is ``pg_terminate_backend`` on the app's own backends, found by a unique application_name,
in a throw-away schema. "No write lost": every decision a user saved is in the database, or
that user was told it went wrong; after the drops, writes succeed again without a restart.
"""

from __future__ import annotations

import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db import database_answers
from tests.conftest import BOT_TOKEN, CHANNEL, PG_URL, SIGNING_SECRET, TEAM
from tests.fakes.slack_api import FakeSlackAPI, running_fake_slack_api
from tests.slack_requests import dispatch, post_signed, view_submission
from tests.support.abuse import running_web, wait_until
from tests.support.decisions import decide_state
from tests.support.faults import Database, messages_to

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL)"),
]

REVIEW = "2099-01-01"


def _users(fake: FakeSlackAPI, count: int) -> list[str]:
    users = [f"U0SAVER{n:03d}" for n in range(count)]
    for user in users:
        fake.add_user(TEAM, user)
    return users


def _save_body(user: str, title: str) -> str:
    return view_submission(
        "decisions.save",
        decide_state(title=title, owner=user, review=REVIEW),
        team_id=TEAM,
        user_id=user,
    )


def _outcomes(fake: FakeSlackAPI, saved: set[str], wanted: dict[str, str]) -> dict[str, str]:
    """Per title: 'saved' (and confirmed), 'saved, told of an error', 'told' or 'LOST'."""
    out = {}
    for title, user in wanted.items():
        messages = messages_to(fake, user)
        confirmed = any(title in m for m in messages)
        told = any(title not in m for m in messages)  # the only other message: the error
        if title in saved:
            out[title] = "saved" if confirmed and not told else "saved, told of an error"
        else:
            out[title] = "told" if told else "LOST"
    return out


# --------------------------------------------------------------------------- in this process


def test_every_write_after_a_drop_succeeds_without_a_restart(database, pg_app, slack_api) -> None:
    app, services = pg_app
    [user] = _users(slack_api, 1)
    dropped = 0
    for cycle in range(8):
        title = f"Cycle {cycle}: buy the transcription API"
        response = dispatch(app, _save_body(user, title), secret=SIGNING_SECRET)
        assert (response.status, response.body) == (200, "")
        assert database.app_connections() >= 1  # the pool kept a connection...
        dropped += database.drop_app_connections(until_gone=True)  # ...and now it is gone
        assert database_answers(services.engine)  # the health check reconnects at once
    assert dropped >= 8
    assert database.titles() == {f"Cycle {n}: buy the transcription API" for n in range(8)}
    assert all(
        title in " ".join(messages_to(slack_api, user)) for title in database.titles()
    )  # each one confirmed, no error in between
    assert len(messages_to(slack_api, user)) == 8


@dataclass
class Storm:
    statuses: list[int]
    drops: list[int]
    outcomes: dict[str, str]


def storm(
    app, database: Database, slack_api: FakeSlackAPI, users: list[str], every: int | None
) -> Storm:
    """Four writers save one decision per user while the app's connections are cut.

    ``every``: cut once each time that many more saves have finished (each cut lands while
    saves are in flight, and is over before the next: a restart, then calm); None: cut
    without pause, every few milliseconds.
    """
    wanted = {f"Storm {n}: wrap a hosted model": user for n, user in enumerate(users)}
    statuses: list[int] = []
    drops: list[int] = []
    done = threading.Event()

    def writer(items: list[tuple[str, str]]) -> None:
        for title, user in items:
            try:
                statuses.append(
                    dispatch(app, _save_body(user, title), secret=SIGNING_SECRET).status
                )
            except Exception:  # noqa: BLE001 - what escapes Bolt is a 5xx; keep writing
                statuses.append(599)

    def cutter() -> None:
        seen = 0
        while not done.is_set():
            if every is None:
                done.wait(0.015)
            else:
                wait_until(lambda t=seen + every: len(statuses) >= t or done.is_set(), 30, 0.001)
                seen = len(statuses)
                done.wait(0.004)  # a few milliseconds into the next saves
            drops.append(database.drop_app_connections())

    items = list(wanted.items())
    writers = [threading.Thread(target=writer, args=(items[n::4],)) for n in range(4)]
    cutting = threading.Thread(target=cutter)
    cutting.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    cutting.join()
    return Storm(statuses, drops, _outcomes(slack_api, database.titles(), wanted))


def test_no_write_is_lost_while_connections_drop_under_load(database, pg_app, slack_api) -> None:
    app, _services = pg_app
    users = _users(slack_api, 32)
    result = storm(app, database, slack_api, users, every=4)
    assert [t for t, outcome in result.outcomes.items() if outcome == "LOST"] == []
    assert result.statuses == [200] * len(users)
    assert sum(result.drops) >= 5, result.drops  # connections really were cut mid-run
    assert database.created_events() == len(database.titles())  # no half-written decision
    # And afterwards, with nobody cutting: writes just work.
    response = dispatch(app, _save_body(users[0], "After the storm"), secret=SIGNING_SECRET)
    assert response.status == 200
    assert "After the storm" in database.titles()


# --------------------------------------------------------------------------- over HTTP


def _finished(fake: FakeSlackAPI, user: str, title: str) -> bool:
    """The save's work after the ack is over: confirmation posted, the owner's Home redrawn."""
    homes = [c for c in fake.calls_to("views.publish") if c.params.get("user_id") == user]
    return bool(homes) and any(title in m for m in messages_to(fake, user))


def test_the_web_process_recovers_by_itself_when_its_connections_drop(
    database, tmp_path: Path
) -> None:
    """A third of the saves come just after all the app's connections were cut (and the
    backends are gone, as after a restart): each one is saved and confirmed, nothing else."""
    with running_fake_slack_api() as fake:
        fake.add_team(TEAM, bot_token=BOT_TOKEN)
        fake.add_channel(TEAM, CHANNEL)
        users = _users(fake, 12)
        with running_web(fake, database.url, tmp_path) as (base, _log):
            wanted: dict[str, str] = {}
            dropped = 0
            for n, user in enumerate(users):
                title = f"Over HTTP {n}: buy"
                wanted[title] = user
                if n % 3 == 1:
                    dropped += database.drop_app_connections(until_gone=True)
                status, _, _ = post_signed(
                    f"{base}/slack/events", _save_body(user, title), secret=SIGNING_SECRET
                )
                assert status == 200
                # Production acks first and confirms after: the drop waits for that to end.
                assert wait_until(lambda u=user, t=title: _finished(fake, u, t), seconds=10)
            assert dropped >= 4
            assert set(_outcomes(fake, database.titles(), wanted).values()) == {"saved"}
            database.drop_app_connections(until_gone=True)
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as health:
                assert health.status == 200
