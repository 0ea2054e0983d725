"""The app as deployed, each test run twice: ``python -m bot web`` under gunicorn reached with
signed HTTP requests, and ``python -m bot`` in Socket Mode against a fake Slack WebSocket server.
Bolt acks on the request's thread while listeners run on the listener pool
(``process_before_response=False``). Every listener: acked within Slack's 3 s, then its work
done. And every request acked whatever the listener raises, soon after its ack, late, or before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CHANNEL, TEAM, USER
from tests.support.decisions import decide_state, metadata
from tests.support.deployed import RUNNING
from tests.support.production import (
    ACK_SECONDS,
    CASES,
    GENERIC_ERROR,
    Case,
    World,
    acked_and_told,
    registered_listeners,
    run_case,
    slack_call,
    wait_for,
)

MODES = list(RUNNING)
ONLY_ADMINS = "Only an admin"


@pytest.fixture(scope="module", params=MODES)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from RUNNING[request.param](tmp_path_factory, f"{request.param}-listeners")


@pytest.fixture(scope="module", params=MODES)
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """A process and workspace of its own: the listener table ends by purging and uninstalling."""
    yield from RUNNING[request.param](tmp_path_factory, f"{request.param}-errors")


def test_every_registered_listener_has_a_case(tmp_path: Path) -> None:
    assert {case.listener for case in CASES} == registered_listeners(tmp_path)


def test_socket_mode_connects_with_the_app_token_only(world: World) -> None:
    """apps.connections.open (the fake answers the app-level token only): once in Socket Mode,
    never over HTTP."""
    opened = world.fake.calls_to("apps.connections.open")
    assert [call.team_id for call in opened] == ([None] if world.mode == "socket_mode" else [])


@pytest.mark.parametrize("case", CASES, ids=[c.listener for c in CASES])
def test_each_listener_is_acked_within_3_s_and_its_work_follows(world: World, case: Case) -> None:
    run_case(world, case)


# ------------------------------------------------------------------ whatever the listener raises


@pytest.mark.parametrize("subcommand", ["export", "settings", "digest now"])
def test_an_error_right_after_the_ack_keeps_the_ack(app: World, subcommand: str) -> None:
    """A non-admin, again and again: the admin check answered from the cache raises a few
    microseconds after the ack. Bolt 1.30 dropped that ack about every other time (404 after
    3 s over HTTP, no answer to the envelope in Socket Mode)."""
    for _ in range(12):
        acked_and_told(app, app.command(subcommand), ONLY_ADMINS)


def test_an_error_long_after_the_ack_keeps_the_ack(app: World) -> None:
    """users.info takes 2 s for someone not seen yet; the refusal comes long after the ack."""
    app.fake.add_user(TEAM, "U0SLOW0001")
    app.fake.delay("users.info", 2.0)
    acked_and_told(app, app.command("export", "U0SLOW0001"), ONLY_ADMINS)


def test_an_error_before_the_ack_is_acked_at_once_even_if_telling_is_slow(app: World) -> None:
    """Saving a decision asks Slack about its owner before acking; Slack fails. The user is told
    by DM, which Slack is slow to take: the ack must not wait for it."""
    app.fake.fail("users.info", "fatal_error")
    app.fake.delay("chat.postMessage", 4.0)
    body = app.submit("decisions.save", decide_state(owner="U0NEWOWNER"), meta=metadata(CHANNEL))
    since = len(app.fake.calls)
    reply = app.send(body)
    assert reply.acked, reply.detail
    assert reply.seconds < ACK_SECONDS, f"acked after {reply.seconds:.2f} s"
    told = wait_for(lambda: slack_call(app, since, "chat.postMessage", channel=USER))
    assert told.params["text"].startswith(f"{GENERIC_ERROR} (error id ")
