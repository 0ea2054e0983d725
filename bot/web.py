"""The HTTP surface: Slack's endpoints and a health check, served by gunicorn."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:  # imported in make_wsgi_app: gunicorn's master needs none of them (memory)
    from slack_bolt import App
    from slack_sdk.signature import SignatureVerifier

    from bot.services import Services

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


MAX_BODY = 1_000_000  # Slack's payloads are a few kB; a megabyte is plenty
# Each install page stores an OAuth state row, and anyone may ask for it: per client address,
# a few pages in ten minutes (a person installs once), then 429.
INSTALL_PATH = "/slack/install"
INSTALL_PAGES_PER_CLIENT = 10
INSTALL_WINDOW_SECONDS = 600.0
CLIENTS_REMEMBERED = 10_000
# What reading ids out of an oddly shaped payload raises (a number where a dict should be...).
UNREADABLE = (TypeError, AttributeError, KeyError, IndexError, ValueError)


_NONE = type(None)
# The fields Bolt reads before any listener (or error handler) runs, with the JSON types Slack
# sends them as. Another type there made Bolt itself raise, and the app answer 500 (a signed
# ``"view": null`` broke Bolt's own logging), found by tests/test_abuse_requests.py.
ENVELOPE: dict[str, tuple[type, ...]] = {
    "type": (str,),
    "team": (dict, str, _NONE),
    "user": (dict, str),
    "view": (dict,),
    "enterprise": (dict, str, _NONE),
    "channel": (dict, str),
    "container": (dict,),
    "message": (dict,),
    "event": (dict,),
    "actions": (list,),
    "authorizations": (list,),
    "team_id": (str, _NONE),
    "enterprise_id": (str, _NONE),
    "user_id": (str,),
    "channel_id": (str,),
    "api_app_id": (str,),
    "trigger_id": (str,),
    "response_url": (str,),
    "callback_id": (str,),
    "event_id": (str,),
    "is_enterprise_install": (bool,),
}
# Inside those objects, the ids Bolt reads must be strings (or absent, or null).
_IDS = (
    "id",
    "team_id",
    "enterprise_id",
    "app_installed_team_id",
    "channel_id",
    "user",
    "channel",
    "callback_id",
    "type",
    "action_id",
    "block_id",
)


def envelope_problem(payload: object) -> str | None:
    """Why a parsed payload is not shaped as Slack shapes its envelope, or None."""
    if not isinstance(payload, dict) or "type" not in payload:
        return "payload without a type"
    for name, types in ENVELOPE.items():
        value = payload.get(name)
        if name in payload and not isinstance(value, types):
            return f"{name} of type {type(value).__name__}"
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for item in items:
            if not isinstance(item, dict):
                return f"{name} holding a {type(item).__name__}"
            odd = [k for k in _IDS if not isinstance(item.get(k), str | _NONE | dict)]
            if odd or (name != "event" and any(isinstance(item.get(k), dict) for k in _IDS)):
                return f"{name} with a malformed id"
    return None


def slack_body_problem(body: str, content_type: str) -> str | None:
    """Why ``body`` is not a request Slack could have sent, or None when it could be."""
    try:
        if content_type.startswith("application/json"):
            return envelope_problem(json.loads(body))
        form = parse_qs(body, strict_parsing=True, keep_blank_values=True)
        if "payload" in form:
            return envelope_problem(json.loads(form["payload"][0]))
        if "command" in form or "ssl_check" in form:
            return None
        return "form body without a command or payload"
    except ValueError as exc:
        return f"unparseable body ({type(exc).__name__})"


def _signed_by_slack(verifier: SignatureVerifier, body: str, environ: dict[str, Any]) -> bool:
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp.isdigit() or not signature:
        return False
    return verifier.is_valid(body, timestamp, signature)


class ClientLimiter:
    """At most ``limit`` requests per client in any ``window`` seconds, in this process.

    Remembers the ``clients`` most recent clients only, so many addresses cannot fill memory.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        clients: int = CLIENTS_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.clients, self._clock = limit, window, clients, clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = self._clock()
        with self._lock:
            hits = self._hits.pop(client, None) or deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            allowed = len(hits) < self.limit
            if allowed:
                hits.append(now)
            self._hits[client] = hits
            while len(self._hits) > self.clients:
                self._hits.popitem(last=False)
        return allowed


def client_address(environ: dict[str, Any], trust_forwarded: bool) -> str:
    """Who is asking: the peer, or behind a trusted proxy the address it appended last."""
    if trust_forwarded:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if forwarded:
            return forwarded
    return str(environ.get("REMOTE_ADDR") or "?")


def _reply(start_response: Callable[..., Any], status: str, text: str) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [text.encode()]


def make_wsgi_app(app: App, services: Services) -> WSGIApp:
    """``/healthz`` answers 200 only when the database does; Slack's requests go to Bolt.

    Signature and shape are checked before Bolt parses anything, so a forged request gets 401
    and a malformed one 400, never a 5xx or a trace.
    """
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk.signature import SignatureVerifier

    from bot.db import database_answers

    slack = SlackRequestHandler(app, path="/slack/events")
    verifier = SignatureVerifier(services.settings.SLACK_SIGNING_SECRET or "")
    install_pages = ClientLimiter(INSTALL_PAGES_PER_CLIENT, INSTALL_WINDOW_SECONDS)

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if path == "/healthz":
            ok = database_answers(services.engine)
            return _reply(
                start_response,
                "200 OK" if ok else "503 Service Unavailable",
                "ok\n" if ok else "database unavailable\n",
            )
        if path == INSTALL_PATH:
            client = client_address(environ, services.settings.TRUST_X_FORWARDED_FOR)
            if not install_pages.allow(client):
                log.info("refused install page: too many from %s", client)
                return _reply(start_response, "429 Too Many Requests", "too many requests\n")
        if path != "/slack/events" or environ.get("REQUEST_METHOD") != "POST":
            return slack(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return _reply(start_response, "413 Content Too Large", "too large\n")
        raw = environ["wsgi.input"].read(length) if length else b""
        body = raw.decode("utf-8", errors="replace")
        if not _signed_by_slack(verifier, body, environ):
            log.info(
                "refused request: bad, missing or stale signature from %s",
                environ.get("REMOTE_ADDR", "?"),
            )
            return _reply(start_response, "401 Unauthorized", "invalid request\n")
        problem = slack_body_problem(body, environ.get("CONTENT_TYPE", ""))
        if problem:
            log.info("refused request: %s", problem)
            return _reply(start_response, "400 Bad Request", "bad request\n")
        environ["wsgi.input"] = io.BytesIO(raw)
        try:
            return slack(environ, start_response)
        except UNREADABLE as exc:
            # Bolt reads ids out of the payload before any listener or error handler runs; a
            # signed payload with, say, ``"team": 1`` made that raise and gunicorn answer 500
            # (found by tests/test_abuse_requests.py). Listener errors never get here.
            log.info("refused request: Bolt could not read it (%s)", type(exc).__name__)
            return _reply(start_response, "400 Bad Request", "bad request\n")

    return wsgi


class _Gunicorn(BaseApplication):
    def __init__(self, load: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self._load()


def serve(
    load: Callable[[], WSGIApp], port: int, *, workers: int | None = None, threads: int = 8
) -> None:
    """Run gunicorn in this process; ``load`` runs in each worker, after the fork."""
    options: dict[str, Any] = {
        "bind": f"0.0.0.0:{port}",
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    if workers is not None:
        options["workers"] = workers
    _Gunicorn(load, options).run()
