"""Helpers for flooding the running web app from many threads at once; no tests here."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable

from tests.conftest import SIGNING_SECRET
from tests.slack_requests import content_type_of, sign


def post(base: str, body: str, timeout: float = 30) -> tuple[int, str, float]:
    """POST a signed Slack request to ``base``/slack/events on a new connection; (status, body,
    seconds until the answer)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Content-Type": content_type_of(body), **sign(body, SIGNING_SECRET)}
    started = time.monotonic()
    try:
        conn.request("POST", "/slack/events", body.encode(), headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, text, time.monotonic() - started
    finally:
        conn.close()


def in_threads(count: int, send: Callable[[int], tuple[int, str, float]]) -> Flood:
    """Start ``send(n)`` for n in range(count), each in its own thread, all at once."""
    flood = Flood()
    for n in range(count):
        thread = threading.Thread(target=flood.run, args=(send, n), daemon=True)
        flood.threads.append(thread)
        thread.start()
    return flood


class Flood:
    """The threads of a flood and the answers they got."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.answers: list[tuple[int, str, float]] = []
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()

    def run(self, send: Callable[[int], tuple[int, str, float]], n: int) -> None:
        try:
            answer = send(n)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            with self._lock:
                self.errors.append(error)
            return
        with self._lock:
            self.answers.append(answer)

    def join(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
