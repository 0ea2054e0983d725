"""The app started as deployed, reached as Slack reaches it; see ``tests/test_production.py``.

- :func:`running_http`: ``python -m bot web`` (gunicorn), requests signed and POSTed;
- :func:`running_socket_mode`: ``python -m bot`` with an app token, requests sent as Socket
  Mode envelopes by the fake WebSocket server (``tests/fakes/socket_mode.py``).

Both yield a :class:`tests.support.production.World` against a fake Slack Web API with one
workspace (:func:`slack_workspace`); each checks on the way out that Bolt never gave up waiting
for an ack and that no invalid message or view reached Slack.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ADMIN, BOT_TOKEN, CHANNEL, SIGNING_SECRET, TEAM, USER
from tests.fakes.slack_api import FakeSlackAPI, running_fake_slack_api
from tests.fakes.socket_mode import FakeSocketMode
from tests.slack_requests import post_signed
from tests.support.abuse import running_bot, running_web
from tests.support.production import ACK_SECONDS, Reply, World, form_payload

NO_ACK = "didn't call ack()"  # Bolt's warning when it gave up waiting for one
APP_TOKEN = "xapp-1-A0APP0001-1111-fakeapptoken"


def slack_workspace(fake: FakeSlackAPI) -> None:
    fake.add_team(TEAM, bot_token=BOT_TOKEN)
    fake.add_user(TEAM, USER)
    fake.add_user(TEAM, ADMIN, is_admin=True)
    fake.add_channel(TEAM, CHANNEL)


def http_transport(base: str) -> Callable[[str], Reply]:
    def send(body: str) -> Reply:
        started = time.monotonic()
        status, _, text = post_signed(
            f"{base}/slack/events", body, secret=SIGNING_SECRET, timeout=ACK_SECONDS + 5
        )
        seconds = time.monotonic() - started
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = text
        return Reply(status == 200, seconds, payload, f"HTTP {status} {text[:200]}")

    return send


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


def running_http(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp(name)
    database = workdir / "app.db"
    with running_fake_slack_api() as fake:
        slack_workspace(fake)
        with running_web(fake, f"sqlite:///{database}", workdir) as (base, log):
            yield World(fake, http_transport(base), database, log, "http")
            assert NO_ACK not in log.read_text()
        assert not fake.invalid, fake.invalid


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
                yield World(fake, socket_transport(socket), database, log, "socket_mode")
                assert NO_ACK not in log.read_text()
            assert not fake.invalid, fake.invalid
            assert socket.unexpected == []
    finally:
        socket.close()


RUNNING: dict[str, Callable[[pytest.TempPathFactory, str], Iterator[World]]] = {
    "http": running_http,
    "socket_mode": running_socket_mode,
}
