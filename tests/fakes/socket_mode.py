"""A local stand-in for Slack's Socket Mode WebSocket server (``wss://wss-primary.slack.com``).

The app asks the fake Web API's ``apps.connections.open`` for a URL (register it with
``FakeSlackAPI.add_app_token(token, socket.url)``) and connects here. As Slack does, the server
greets each connection with ``hello``, then hands requests over as envelopes: ``slash_commands``,
``interactive`` and ``events_api``, shaped as in ``tests/data/slack-payloads/
socket_mode_envelopes.json`` (Slack's Socket Mode docs, via bolt-python's tests). The app answers
each one with ``{"envelope_id": ..., "payload"?: ...}``: that is its ack, due within 3 s.

``websockets`` (a test dependency) serves the protocol; slack_sdk's own client is what connects.
"""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.support.data import data_path

HELLO = {
    "type": "hello",
    "num_connections": 1,
    "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
    "connection_info": {"app_id": "A0APP0001"},
}


@functools.cache
def envelope_templates() -> dict[str, dict[str, Any]]:
    """One envelope per type, as Slack sends it (its payload replaced on each use)."""
    path = data_path("slack-payloads", "socket_mode_envelopes.json")
    return {e["type"]: e for e in json.loads(path.read_text(encoding="utf-8"))}


@dataclass(frozen=True)
class Ack:
    """The app's answer to one envelope, and how long after the envelope it came."""

    envelope_id: str
    seconds: float
    payload: dict[str, Any] | None


class FakeSocketMode:
    """The WebSocket end of Socket Mode, on 127.0.0.1; see the module docstring."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._sent: dict[str, float] = {}  # envelope_id -> when it was sent (monotonic)
        self.acks: dict[str, Ack] = {}
        self.unexpected: list[str] = []  # messages from the app that are not acks
        self._server = serve(self._serve, "127.0.0.1", 0, ping_interval=None, compression=None)
        self.url = f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-socket-mode", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def _serve(self, connection: ServerConnection) -> None:
        connection.send(json.dumps(HELLO))
        with self._changed:
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            for message in connection:
                self._received(message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)

    def _received(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
            envelope_id = data["envelope_id"]
        except (ValueError, KeyError, TypeError):
            self.unexpected.append(str(message)[:200])
            return
        with self._changed:
            sent = self._sent.get(envelope_id)
            if sent is None or envelope_id in self.acks:
                self.unexpected.append(str(message)[:200])  # unknown, or acked twice
            else:
                seconds = time.monotonic() - sent
                self.acks[envelope_id] = Ack(envelope_id, seconds, data.get("payload"))
            self._changed.notify_all()

    def wait_connected(self, seconds: float = 30.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self._connections, timeout=seconds):
                raise AssertionError("the app did not connect to the Socket Mode server")

    def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Hand the app one request as an envelope of ``kind``; returns its envelope_id."""
        envelope = {**envelope_templates()[kind], "payload": payload}
        if "retry_attempt" in envelope:  # the template is a retry; this is a first delivery
            envelope.update(retry_attempt=0, retry_reason="")
        envelope_id = envelope["envelope_id"] = str(uuid.uuid4())
        with self._changed:
            if not self._connections:
                raise AssertionError("no app connected")
            connection = self._connections[-1]
            self._sent[envelope_id] = time.monotonic()
        connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, seconds: float = 5.0) -> Ack | None:
        """The app's ack of that envelope, or None if none came within ``seconds``."""
        with self._changed:
            self._changed.wait_for(lambda: envelope_id in self.acks, timeout=seconds)
            return self.acks.get(envelope_id)
