"""The app as deployed in Socket Mode: ``python -m bot`` with an app token, connected to a local
WebSocket server standing in for Slack's (``tests/fakes/socket_mode.py``). The tests of
``test_production_http.py`` run again here, each request sent as a ``slash_commands``,
``interactive`` or ``events_api`` envelope: every listener's envelope answered with its
``envelope_id`` within 3 s, then its work done; and answered whatever the listener raises."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fakes.slack_api import running_fake_slack_api
from tests.fakes.socket_mode import FakeSocketMode
from tests.support.abuse import running_bot
from tests.support.production import ACK_SECONDS, Reply, World, form_payload
from tests.test_production_http import (  # the same tests, run here on this module's fixtures
    NO_ACK,
    slack_workspace,
    test_an_error_before_the_ack_is_acked_at_once_even_if_telling_is_slow,
    test_an_error_long_after_the_ack_keeps_the_ack,
    test_an_error_right_after_the_ack_keeps_the_ack,
    test_each_listener_is_acked_within_3_s_and_its_work_follows,
)

__all__ = [
    "test_an_error_before_the_ack_is_acked_at_once_even_if_telling_is_slow",
    "test_an_error_long_after_the_ack_keeps_the_ack",
    "test_an_error_right_after_the_ack_keeps_the_ack",
    "test_each_listener_is_acked_within_3_s_and_its_work_follows",
]

APP_TOKEN = "xapp-1-A0APP0001-1111-fakeapptoken"


def envelope_type(body: str) -> str:
    if body.startswith("{"):
        return "events_api"
    return "interactive" if body.startswith("payload=") else "slash_commands"


def socket_transport(socket: FakeSocketMode) -> Callable[[str], Reply]:
    def send(body: str) -> Reply:
        envelope_id = socket.send(envelope_type(body), form_payload(body))
        ack = socket.wait_ack(envelope_id, ACK_SECONDS + 2)
        if ack is None:
            return Reply(False, ACK_SECONDS + 2, None, f"envelope {envelope_id} never acked")
        return Reply(True, ack.seconds, ack.payload, f"acked after {ack.seconds:.2f} s")

    return send


def running_socket_mode(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp(name)
    database = workdir / "app.db"
    socket = FakeSocketMode()
    try:
        with running_fake_slack_api() as fake:
            slack_workspace(fake)
            fake.add_app_token(APP_TOKEN, socket.url)

            def connected(process: subprocess.Popen, log: Path) -> None:
                try:
                    socket.wait_connected(30)
                except AssertionError:
                    tail = log.read_text()[-2000:]
                    raise AssertionError(f"exit {process.poll()}: {tail}") from None

            with running_bot(
                fake, f"sqlite:///{database}", workdir, [], connected, SLACK_APP_TOKEN=APP_TOKEN
            ) as log:
                yield World(fake, socket_transport(socket), database, log)
                assert NO_ACK not in log.read_text()
            assert not fake.invalid, fake.invalid
            assert socket.unexpected == []
    finally:
        socket.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from running_socket_mode(tmp_path_factory, "socket-mode")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Its own process and workspace: the table ends by purging and uninstalling its team."""
    yield from running_socket_mode(tmp_path_factory, "socket-mode-errors")


def test_the_app_connects_with_its_app_token(world: World) -> None:
    """apps.connections.open answers only to the app-level token (the fake refuses others)."""
    [opened] = world.fake.calls_to("apps.connections.open")
    assert opened.team_id is None  # not a bot token
