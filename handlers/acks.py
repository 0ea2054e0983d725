"""Every request keeps its ack once a listener has called it, whatever the listener raises next."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware


class KeptAck(Ack):
    """An ``ack`` that, once called, stays called.

    When a listener raises after acking, slack_bolt 1.30's thread runner (every deployment:
    ``process_before_response=False``) sets ``ack.response`` back to None. If the request thread,
    which polls every 10 ms, had not seen the ack yet, it waits out the 3 s and Slack gets 404
    "unhandled request" (HTTP) or no envelope ack (Socket Mode): "operation_timeout" on top of
    our own sentence. Ignoring that reset keeps the ack for every listener, whatever it raises.
    """

    def __init__(self) -> None:
        self._response: BoltResponse | None = None

    @property
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        if value is not None:
            self._response = value


class KeepAcks(Middleware):
    """Gives every request a ``KeptAck`` before any listener can reach Bolt's own. A Bolt
    ``Middleware``, not a function: Bolt calls functions through its keyword injection, which
    inspects and builds their arguments on every request (CPU on every ack, bench/bench_ack.py).
    """

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:  # noqa: A002 - Bolt's keyword
        req.context["ack"] = KeptAck()
        return next()


def register(app: App) -> None:
    app.use(KeepAcks())
