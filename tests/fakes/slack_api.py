"""A fake Slack Web API that tests point ``SLACK_API_BASE_URL`` at.

It runs a real HTTP server on 127.0.0.1, so the app's own ``WebClient`` (retry handlers,
timeouts, form and JSON bodies) is exercised as it will be against slack.com. It answers the way
Slack does, from Slack's own descriptions where we have them:

- required parameters come from Slack's OpenAPI description in ``tests/data/slack-api-specs``,
  plus the few that description leaves optional though the method's docs page requires them;
  an absent one answers ``invalid_arguments`` (``[ERROR] missing required field: x``), a present
  but unknown one the lookup error (``channel_not_found``, ``user_not_found``...);
- every message's ``blocks`` and every ``view`` goes through :mod:`tests.fakes.blockkit`; what
  fails is refused as Slack would refuse it *and* kept in ``fake.invalid`` so that the
  ``slack_api`` fixture fails the test even if the app swallowed the error;
- workspace state (teams, tokens, users, channels, messages, views, files) is what the test
  registers; IDs it makes up have Slack's shapes (``D...``, ``V...``, ``F...``, ts
  ``1700000000.000001``) so that the app's parsing is exercised too.

Faults on demand: :meth:`FakeSlackAPI.fail`, :meth:`FakeSlackAPI.delay` and
:meth:`FakeSlackAPI.enforce_channel_rate`. Every request is recorded as a :class:`Call`, posts to
a ``response_url`` under the method name ``"response_url"``.

Where Slack's exact answer is undocumented, the fake picks one and says so: ``response_url``
posts answer ``{"ok": true}``, or HTTP 404 ``used_url`` / ``expired_url``, or HTTP 400
``invalid_blocks`` / ``no_text``; the upload endpoint answers ``OK - <bytes>``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import itertools
import json
import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.blockkit import validate_blocks, validate_view
from tests.support.data import data_path

logger = logging.getLogger(__name__)

# Required by the method's docs page but not marked so in the 2021 OpenAPI description, or (for
# the 2024 upload flow) absent from it.
DOCUMENTED_REQUIRED: dict[str, tuple[str, ...]] = {
    "chat.delete": ("channel", "ts"),
    "users.info": ("user",),
    "conversations.info": ("channel",),
    "conversations.join": ("channel",),
    "conversations.members": ("channel",),
    "views.update": ("view",),
    "apps.uninstall": ("client_id", "client_secret"),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "conversations.replies": ("channel", "ts"),  # the docs page: both required
    # The assistant panel's methods (2024-25, after the OpenAPI description), from their pages.
    "assistant.threads.setStatus": ("channel_id", "thread_ts", "status"),
    "assistant.threads.setSuggestedPrompts": ("channel_id", "prompts"),
    "assistant.threads.setTitle": ("channel_id", "thread_ts", "title"),
    "chat.startStream": ("channel", "thread_ts"),
    "chat.appendStream": ("channel", "ts"),
    "chat.stopStream": ("channel", "ts"),
}
MAX_SUGGESTED_PROMPTS = 4  # setSuggestedPrompts' docs page: at most four
STREAM_TEXT_MAX = 12_000  # markdown_text per streaming call (chat.*Stream docs pages)
JSON_PARAMS = (
    "blocks",
    "attachments",
    "view",
    "files",
    "prompts",
    "chunks",
)  # JSON strings in form bodies
TRIGGER_TTL = 3.0  # seconds a trigger_id lives
RESPONSE_URL_USES, RESPONSE_URL_TTL = 5, 30 * 60
MAX_VIEW_STACK = 3  # a root modal and two pushes
APP_TOKEN_METHODS = ("apps.connections.open",)  # called with an app-level token (xapp-)


@dataclass(frozen=True)
class Call:
    """One request the fake received (the token is not kept in ``params``)."""

    method: str
    params: dict[str, Any]
    team_id: str | None
    at: float


@dataclass
class UploadedFile:
    id: str
    team_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    completed: bool = False


@dataclass
class _Team:
    id: str
    name: str
    domain: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    app_id: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Rule:
    value: Any
    remaining: int | None  # None: until reset()
    where: Callable[[dict[str, Any]], bool] | None = None  # only calls with these params


@dataclass
class _ResponseUrl:
    team_id: str
    channel_id: str
    created: float
    uses: int = 0


DROP = "drop"  # accept_then: close the connection instead of answering


class _Dropped(Exception):
    """Raised after a method ran, to close the connection without an answer."""


class SlackError(Exception):
    """An ``ok: false`` answer (or another HTTP status) raised from inside a method."""

    def __init__(
        self, error: str, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(error)
        self.status, self.headers = status, headers or {}
        self.body = {"ok": False, "error": error, **extra}


def _missing(name: str) -> SlackError:
    return SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
    )


@functools.cache
def web_api_spec() -> dict[str, Any]:
    """Slack's OpenAPI 2 description of the Web API (2021), copied into tests/data."""
    path = data_path("slack-api-specs", "slack_web_openapi_v2_without_examples.json")
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def required_params() -> dict[str, tuple[str, ...]]:
    """Method -> parameters it cannot do without (the token aside), from Slack's description."""
    spec = web_api_spec()
    required: dict[str, tuple[str, ...]] = {}
    for path, operations in spec["paths"].items():
        names = {
            p["name"]
            for operation in operations.values()
            for p in operation.get("parameters", [])
            if p.get("required") and p["name"] != "token"
        }
        required[path.lstrip("/")] = tuple(sorted(names))
    for method, names in DOCUMENTED_REQUIRED.items():
        required[method] = tuple(sorted({*required.get(method, ()), *names}))
    return required


_METHODS: dict[str, Callable[..., dict[str, Any]]] = {}


def _method(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        _METHODS[name] = func
        return func

    return register


class FakeSlackAPI:
    """A local stand-in for ``https://slack.com/api/``; see the module docstring."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.invalid: list[str] = []  # invalid blocks/views seen; clear it if sent on purpose
        self._reset_state()
        fake = self

        class Handler(_RequestHandler):
            owner = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.base_url = f"{self.url}/api/"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # shutdown() waits up to one poll
            name="fake-slack-api",
            daemon=True,
        )
        self._thread.start()

    def _reset_state(self) -> None:
        self.clock: Callable[[], float] = time.time  # tests may replace it to age things
        self._calls: list[Call] = []
        self.connections = 0  # TCP connections accepted: keep-alive clients reuse theirs
        self._teams: dict[str, _Team] = {}
        self._tokens: dict[str, tuple[str, bool]] = {}  # token -> (team_id, revoked)
        self._dms: dict[tuple[str, str], str] = {}  # (team, user) -> D... channel
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self._views: dict[str, dict[str, Any]] = {}
        self._stacks: dict[str, list[str]] = {}  # root view id -> stack of view ids
        self._homes: dict[tuple[str, str], str] = {}  # (team, user) -> view id
        self._triggers: dict[str, tuple[float, str | None]] = {}  # issued: (at, view_id)
        self._used_triggers: set[str] = set()
        self._files: dict[str, UploadedFile] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._oauth_client: tuple[str, str] | None = None
        self._oauth_codes: dict[str, tuple[str, str, str]] = {}  # code -> (team, user, scope)
        self._app_tokens: dict[str, str] = {}  # xapp- token -> Socket Mode WebSocket URL
        self._faults: dict[str, list[_Rule]] = {}
        self._delays: dict[str, list[_Rule]] = {}
        self._after: dict[str, list[_Rule]] = {}
        self._late: dict[str, list[_Rule]] = {}
        self._channel_interval: float | None = None
        self._last_post: dict[tuple[str, str], float] = {}
        self._members: dict[tuple[str, str], list[str]] = {}  # (team, channel) -> user ids
        # Assistant threads: (channel, thread_ts) -> status shown, prompts and title set.
        self.statuses: dict[tuple[str, str], str] = {}
        self.suggested_prompts: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self.titles: dict[tuple[str, str], str] = {}
        self._streaming: set[tuple[str, str]] = set()  # (channel, ts) of streams not stopped
        self.invalid.clear()

    # ----------------------------------------------------------------- test-facing API

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        """Forget everything (workspaces, calls, faults, clock); the server keeps running."""
        with self._lock:
            self._reset_state()

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def add_team(
        self,
        team_id: str,
        *,
        bot_token: str,
        bot_user_id: str = "U0BOT",
        name: str = "Acme",
        domain: str | None = None,
        app_id: str = "A0APP0001",
    ) -> None:
        with self._lock:
            self._teams[team_id] = _Team(
                id=team_id,
                name=name,
                domain=domain or name.lower().replace(" ", "-"),
                bot_token=bot_token,
                bot_user_id=bot_user_id,
                bot_id=self._new_id("B"),
                app_id=app_id,
            )
            self._tokens[bot_token] = (team_id, False)
        self.add_user(team_id, bot_user_id, is_bot=True)  # Slack lists the bot as a user

    def add_user(
        self,
        team_id: str,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
        deleted: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        tz: str = "Europe/Paris",
        locale: str = "en-US",
    ) -> None:
        name = name or user_id.lower()
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        with self._lock:
            self._teams[team_id].users[user_id] = {
                "id": user_id,
                "team_id": team_id,
                "name": name,
                "deleted": deleted,
                "real_name": real_name or name,
                "tz": tz,
                "tz_label": datetime.now(ZoneInfo(tz)).tzname() or tz,
                "tz_offset": int(offset.total_seconds()) if offset else 0,
                "is_admin": is_admin,
                "is_owner": is_owner,
                "is_primary_owner": False,
                # Guests: multi-channel (restricted) or single-channel (both flags), as Slack.
                "is_restricted": is_restricted or is_ultra_restricted,
                "is_ultra_restricted": is_ultra_restricted,
                "is_bot": is_bot,
                "is_app_user": False,
                "updated": int(self.clock()),
                "locale": locale,
                "profile": {"real_name": real_name or name, "display_name": name, "team": team_id},
            }

    def add_channel(
        self,
        team_id: str,
        channel_id: str,
        *,
        name: str | None = None,
        bot_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
    ) -> None:
        with self._lock:
            self._teams[team_id].channels[channel_id] = {
                "id": channel_id,
                "name": name or channel_id.lower(),
                "is_channel": not is_private,
                "is_group": is_private,
                "is_im": False,
                "is_private": is_private,
                "is_archived": is_archived,
                "is_member": bot_member,
                "created": int(self.clock()),
            }

    def set_channel_members(self, team_id: str, channel_id: str, users: list[str]) -> None:
        """Who is in a channel (``conversations.members``), in Slack's order."""
        with self._lock:
            self._members[(team_id, channel_id)] = list(users)

    def add_message(
        self,
        team_id: str,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        bot_id: str | None = None,
    ) -> str:
        """A message someone (a person, or a bot with ``bot_id``) wrote; its ts. A reply names
        its thread's parent in ``thread_ts``; the parent then carries ``thread_ts`` too, as
        Slack's parents do once they have replies."""
        with self._lock:
            ts = self._new_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts,
                "team": team_id,
            }
            if bot_id:
                message["bot_id"] = bot_id
            if thread_ts:
                message["thread_ts"] = thread_ts
                parent = self._messages.get((channel, thread_ts))
                if parent is not None:
                    parent.setdefault("thread_ts", thread_ts)
                    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
            self._messages[(channel, ts)] = message
            return ts

    def revoke_token(self, token: str) -> None:
        """As if the workspace revoked it: every later call with it gets ``token_revoked``."""
        with self._lock:
            team_id, _ = self._tokens[token]
            self._tokens[token] = (team_id, True)

    def set_oauth_client(self, client_id: str, client_secret: str) -> None:
        with self._lock:
            self._oauth_client = (client_id, client_secret)

    def add_oauth_code(
        self, code: str, *, team_id: str, user_id: str, scope: str = "commands,chat:write"
    ) -> None:
        """A code ``oauth.v2.access`` will exchange (once) for ``team_id``'s bot token."""
        with self._lock:
            self._oauth_codes[code] = (team_id, user_id, scope)

    def add_app_token(self, app_token: str, websocket_url: str) -> None:
        """An app-level token; ``apps.connections.open`` with it answers ``websocket_url``."""
        with self._lock:
            self._app_tokens[app_token] = websocket_url

    def new_trigger_id(self, view_id: str | None = None) -> str:
        """A trigger_id that expires after 3 s; ``view_id`` is the modal it came from (push)."""
        with self._lock:
            n = next(self._ids)
            trigger = f"{int(self.clock())}.{n:09d}.{n:032x}"
            self._triggers[trigger] = (self.clock(), view_id)
            return trigger

    def response_url(self, team_id: str, channel_id: str) -> str:
        with self._lock:
            url_id = f"{team_id}/{next(self._ids)}/{self._new_id('R').lower()}"
            self._response_urls[url_id] = _ResponseUrl(team_id, channel_id, self.clock())
            return f"{self.url}/response/{url_id}"

    def fail(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int | None = None,
        retry_after: int = 1,
        times: int | None = 1,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the next ``times`` calls (None: all) to ``method`` with an error.

        ``fail(m)`` is Slack's rate limit (429 + Retry-After); ``fail(m, status=500)`` a server
        error; ``fail(m, "channel_not_found")`` an HTTP 200 ``ok: false``. ``where(params)``
        narrows it to some calls (one workspace's users, say).
        """
        if status is None:
            status = 429 if error in (None, "ratelimited") else 200
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        with self._lock:
            rule = _Rule((error, status, headers), times, where)
            self._faults.setdefault(method, []).append(rule)

    def delay(self, method: str, seconds: float, times: int | None = 1) -> None:
        """Answer the next ``times`` calls to ``method`` only after ``seconds``."""
        with self._lock:
            self._delays.setdefault(method, []).append(_Rule(seconds, times))

    def answer_late(self, method: str, seconds: float, times: int | None = 1) -> None:
        """Do the next ``times`` calls to ``method`` at once (the message is posted) and answer
        only after ``seconds``: a client killed meanwhile never learns that Slack took it."""
        with self._lock:
            self._late.setdefault(method, []).append(_Rule(seconds, times))

    def accept_then(self, method: str, fault: str | int = DROP, times: int | None = 1) -> None:
        """Do the next ``times`` calls to ``method`` (the message is posted), then answer as if
        something broke on the way back: ``DROP`` closes the connection without a word, a
        number answers that HTTP status with ``internal_error``. The caller cannot tell whether
        Slack did it; a blind retry does it twice."""
        with self._lock:
            self._after.setdefault(method, []).append(_Rule(fault, times))

    def enforce_channel_rate(self, per_second: float = 1.0) -> None:
        """Answer 429 to chat.postMessage in one channel faster than ``per_second``, like Slack."""
        with self._lock:
            self._channel_interval = 1.0 / per_second

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._messages.get((channel, ts))
            return dict(found) if found else None

    def view(self, view_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._views.get(view_id)
            return dict(found) if found else None

    def last_view(self, callback_id: str) -> dict[str, Any] | None:
        """The latest modal opened, pushed or updated with this ``callback_id``."""
        with self._lock:
            found = [v for v in self._views.values() if v["callback_id"] == callback_id]
            return found[-1] if found else None

    def home_view(self, team_id: str, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            view_id = self._homes.get((team_id, user_id))
        return self.view(view_id) if view_id else None

    def file(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            found = self._files.get(file_id)
            return replace(found) if found else None

    def dm_channel(self, team_id: str, user_id: str) -> str:
        """The stable ``D...`` channel of the bot's DM with ``user_id``."""
        with self._lock:
            key = (team_id, user_id)
            if key not in self._dms:
                self._dms[key] = self._new_id("D")
            return self._dms[key]

    # ----------------------------------------------------------------- request handling

    def _handle_api(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        token = params.pop("token", None)
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        with self._lock:
            team_id = self._tokens.get(token, (None, False))[0] if token else None
            self._calls.append(Call(method, dict(params), team_id, self.clock()))
            pause = self._take(self._delays, method, params)
        if pause:
            time.sleep(pause)
        with self._lock:
            try:
                fault = self._take(self._faults, method, params)
                if fault is not None:
                    error, status, extra = fault
                    raise SlackError(error, status=status, headers=extra)
                answer = self._dispatch(method, params, token, headers)
                after = self._take(self._after, method)
                late = self._take(self._late, method)
                if after == DROP:
                    raise _Dropped
                if after is not None:
                    return int(after), {}, {"ok": False, "error": "internal_error"}
            except SlackError as error:
                return error.status, error.headers, error.body
        if late:
            time.sleep(late)
        return 200, {}, answer

    def _dispatch(
        self, method: str, params: dict[str, Any], token: str | None, headers: dict[str, str]
    ) -> dict[str, Any]:
        handler = _METHODS.get(method)
        if handler is None:
            raise SlackError("unknown_method", req_method=method)
        team: _Team | None = None
        if method in APP_TOKEN_METHODS:
            if not token:
                raise SlackError("not_authed")
            if token not in self._app_tokens:
                # Slack refuses a bot token here; an unknown one is an unknown one.
                raise SlackError(
                    "not_allowed_token_type" if token in self._tokens else "invalid_auth"
                )
        elif method != "oauth.v2.access":
            if not token:
                raise SlackError("not_authed")
            if token not in self._tokens:
                raise SlackError("invalid_auth")
            team_id, revoked = self._tokens[token]
            if revoked:
                raise SlackError("token_revoked")
            team = self._teams[team_id]
        for name in required_params().get(method, ()):
            if params.get(name) is None:
                raise _missing(name)
        result = handler(self, team, params, headers=headers, token=token)
        return {"ok": True, **result}

    def _handle_upload(self, file_id: str, body: bytes, content_type: str) -> tuple[int, str]:
        if content_type.startswith("multipart/form-data"):
            parts = _multipart(body, content_type)
            body = next(iter(parts.values()), b"")
        with self._lock:
            upload = self._files.get(file_id)
            if upload is None:
                return 404, "file_not_found"
            upload.content = body
            return 200, f"OK - {len(body)}"

    def _handle_response_url(self, url_id: str, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return 400, {"ok": False, "error": "invalid_payload"}
        with self._lock:
            pause = self._take(self._delays, "response_url")
        if pause:  # delay("response_url", ...): the post is recorded once answered
            time.sleep(pause)
        with self._lock:
            hook = self._response_urls.get(url_id)
            if hook is None:
                return 404, {"ok": False, "error": "no_service"}
            params = payload if isinstance(payload, dict) else {"payload": payload}
            self._calls.append(Call("response_url", params, hook.team_id, self.clock()))
            if self.clock() - hook.created > RESPONSE_URL_TTL:
                return 404, {"ok": False, "error": "expired_url"}
            if hook.uses >= RESPONSE_URL_USES:
                return 404, {"ok": False, "error": "used_url"}
            hook.uses += 1
            if not isinstance(payload, dict):
                return 400, {"ok": False, "error": "invalid_payload"}
            if not (payload.get("text") or payload.get("blocks") or payload.get("delete_original")):
                return 400, {"ok": False, "error": "no_text"}
            try:
                self._check_blocks("response_url", payload)
            except SlackError as error:
                return 400, error.body
            return 200, {"ok": True}

    # ----------------------------------------------------------------- shared rules

    def _take(
        self, rules: dict[str, list[_Rule]], method: str, params: dict[str, Any] | None = None
    ) -> Any:
        for rule in rules.get(method, []):
            if rule.where is not None and not rule.where(params or {}):
                continue
            if rule.remaining is None or rule.remaining > 0:
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.value
        return None

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010X}"

    def _new_ts(self) -> str:
        return f"{int(self.clock()):010d}.{next(self._ids) % 1_000_000:06d}"

    def _check_blocks(self, method: str, params: dict[str, Any]) -> None:
        blocks = params.get("blocks")
        if blocks is None:
            return
        errors = validate_blocks(blocks, surface="message")
        if errors:
            self.invalid.extend(f"{method}: {e}" for e in errors)
            raise SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )

    def _check_view(self, method: str, view: Any) -> dict[str, Any]:
        errors = validate_view(view)
        if errors:
            self.invalid.extend(f"{method}: {e}" for e in errors)
            raise SlackError(
                "invalid_arguments",
                response_metadata={
                    "messages": [f"[ERROR] {e} [json-pointer:/view]" for e in errors]
                },
            )
        return view

    def _postable(self, team: _Team, channel: str) -> str:
        """The channel a bot message lands in, or Slack's refusal."""
        if channel in self._team_dms(team):
            return channel
        if channel in team.users:  # a user id: Slack posts in the app's DM with them
            return self.dm_channel(team.id, channel)
        info = team.channels.get(channel)
        if info is None:
            raise SlackError("channel_not_found")
        if info["is_archived"]:
            raise SlackError("is_archived")
        if not info["is_member"]:
            raise SlackError("not_in_channel")
        return channel

    def _team_dms(self, team: _Team) -> set[str]:
        return {dm for (team_id, _user), dm in self._dms.items() if team_id == team.id}

    def _use_trigger(self, trigger_id: str) -> str | None:
        """Spend a trigger_id (once, within 3 s); returns the view it came from, if known."""
        if trigger_id in self._used_triggers:
            raise SlackError("expired_trigger_id")
        self._used_triggers.add(trigger_id)
        issued_at, view_id = self._triggers.get(trigger_id, (self.clock(), None))
        if self.clock() - issued_at > TRIGGER_TTL:
            raise SlackError("expired_trigger_id")
        return view_id

    def _store_view(
        self, team: _Team, view: dict[str, Any], *, view_id: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The view as Slack returns it: what was sent plus the fields Slack adds."""
        view_id = view_id or self._new_id("V")
        stored = {
            "id": view_id,
            "team_id": team.id,
            "type": view["type"],
            "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(self.clock())}.{next(self._ids):08x}",
            "title": view.get("title"),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": team.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": team.id,
            "bot_id": team.bot_id,
            **extra,
        }
        self._views[view_id] = stored
        return stored


# --------------------------------------------------------------------- methods
# Each takes (fake, team, params, *, headers, token) under the fake's lock and returns the body
# of an ok answer without "ok", or raises SlackError.


@_method("auth.test")
def _auth_test(fake: FakeSlackAPI, team: _Team, params: dict[str, Any], **_: Any) -> dict:
    return {
        "url": f"https://{team.domain}.slack.com/",
        "team": team.name,
        "user": team.users[team.bot_user_id]["name"],
        "team_id": team.id,
        "user_id": team.bot_user_id,
        "bot_id": team.bot_id,
        "is_enterprise_install": False,
    }


@_method("auth.revoke")
def _auth_revoke(fake: FakeSlackAPI, team: _Team, params: dict, *, token: str, **_: Any) -> dict:
    if str(params.get("test", "")).lower() in ("1", "true"):
        return {"revoked": False}
    fake._tokens[token] = (team.id, True)
    return {"revoked": True}


@_method("apps.uninstall")
def _apps_uninstall(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    _check_client(fake, params["client_id"], params["client_secret"])
    for token, (team_id, _revoked) in list(fake._tokens.items()):
        if team_id == team.id:
            fake._tokens[token] = (team_id, True)
    return {}


@_method("apps.connections.open")
def _apps_connections_open(
    fake: FakeSlackAPI, team: None, params: dict, *, token: str, **_: Any
) -> dict:
    """Slack answers a one-use ``wss://wss-primary.slack.com/link/?ticket=...`` URL."""
    return {"url": f"{fake._app_tokens[token]}?ticket={fake._new_id('t').lower()}&app_id=A0APP0001"}


@_method("oauth.v2.access")
def _oauth_v2_access(
    fake: FakeSlackAPI, team: None, params: dict, *, headers: dict, **_: Any
) -> dict:
    client_id, client_secret = params.get("client_id"), params.get("client_secret")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        client_id, _, client_secret = base64.b64decode(auth[6:]).decode().partition(":")
    _check_client(fake, client_id, client_secret)
    grant = fake._oauth_codes.pop(params["code"], None)
    if grant is None:
        raise SlackError("invalid_code")
    team_id, user_id, scope = grant
    installed = fake._teams[team_id]
    return {
        "app_id": installed.app_id,
        "authed_user": {"id": user_id},
        "scope": scope,
        "token_type": "bot",
        "access_token": installed.bot_token,
        "bot_user_id": installed.bot_user_id,
        "team": {"id": installed.id, "name": installed.name},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _check_client(fake: FakeSlackAPI, client_id: str | None, client_secret: str | None) -> None:
    if fake._oauth_client is None or client_id != fake._oauth_client[0]:
        raise SlackError("invalid_client_id")
    if client_secret != fake._oauth_client[1]:
        raise SlackError("bad_client_secret")


@_method("chat.postMessage")
def _chat_post_message(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    channel = fake._postable(team, params["channel"])
    _require_text(params)
    fake._check_blocks("chat.postMessage", params)
    if fake._channel_interval is not None:
        now, last = fake.clock(), fake._last_post.get((team.id, channel))
        if last is not None and now - last < fake._channel_interval:
            wait = math.ceil(fake._channel_interval - (now - last))
            raise SlackError("ratelimited", status=429, headers={"Retry-After": str(wait)})
        fake._last_post[(team.id, channel)] = now
    ts = fake._new_ts()
    message = _bot_message(team, params, ts)
    fake._messages[(channel, ts)] = message
    if params.get("thread_ts"):  # the app replied: Slack clears the thread's status
        fake.statuses.pop((channel, str(params["thread_ts"])), None)
    return {"channel": channel, "ts": ts, "message": message}


@_method("chat.postEphemeral")
def _chat_post_ephemeral(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    fake._postable(team, params["channel"])
    if params["user"] not in team.users:
        raise SlackError("user_not_in_channel")
    _require_text(params)
    fake._check_blocks("chat.postEphemeral", params)
    return {"message_ts": fake._new_ts()}


@_method("chat.update")
def _chat_update(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    key = (params["channel"], params["ts"])
    if key not in fake._messages:
        raise SlackError("message_not_found")
    _require_text(params)
    fake._check_blocks("chat.update", params)
    message = _bot_message(team, params, params["ts"])
    fake._messages[key] = message
    text = message["text"]
    return {"channel": key[0], "ts": key[1], "text": text, "message": {"text": text}}


def _assistant_channel(fake: FakeSlackAPI, team: _Team, channel: str) -> str:
    """Assistant threads live in the app's DM with a person: another channel is refused."""
    if channel not in fake._team_dms(team):
        raise SlackError("channel_not_found")
    return channel


def _bad(message: str) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


@_method("assistant.threads.setStatus")
def _assistant_set_status(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    """An empty status clears it; so does the app's next reply in the thread (as in Slack)."""
    channel = _assistant_channel(fake, team, params["channel_id"])
    fake.statuses[(channel, str(params["thread_ts"]))] = str(params["status"])
    return {}


@_method("assistant.threads.setSuggestedPrompts")
def _assistant_set_prompts(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    channel = _assistant_channel(fake, team, params["channel_id"])
    prompts = params["prompts"]
    if not isinstance(prompts, list) or not 1 <= len(prompts) <= MAX_SUGGESTED_PROMPTS:
        raise _bad(f"prompts: between 1 and {MAX_SUGGESTED_PROMPTS} items")
    for prompt in prompts:
        if not (isinstance(prompt, dict) and prompt.get("title") and prompt.get("message")):
            raise _bad("each prompt needs a title and a message")
    fake.suggested_prompts[(channel, params.get("thread_ts"))] = list(prompts)
    return {}


@_method("assistant.threads.setTitle")
def _assistant_set_title(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    channel = _assistant_channel(fake, team, params["channel_id"])
    fake.titles[(channel, str(params["thread_ts"]))] = str(params["title"])
    return {}


def _stream_text(params: dict[str, Any]) -> str:
    """What a streaming call adds: ``markdown_text``, or its ``chunks`` of markdown text."""
    text = str(params.get("markdown_text") or "")
    chunks = params.get("chunks") or []
    if not isinstance(chunks, list):
        raise _bad("chunks must be an array")
    for chunk in chunks:
        if not isinstance(chunk, dict) or "type" not in chunk:
            raise _bad("each chunk needs a type")
        if chunk["type"] == "markdown_text":
            text += str(chunk.get("text") or "")
    if len(text) > STREAM_TEXT_MAX:
        raise SlackError("msg_too_long")
    return text


@_method("chat.startStream")
def _chat_start_stream(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    """A streamed reply starts in a thread; outside a DM Slack must know whom it is for."""
    channel = fake._postable(team, params["channel"])
    if channel not in fake._team_dms(team):
        for name in ("recipient_team_id", "recipient_user_id"):
            if not params.get(name):
                raise _missing(name)
    ts = fake._new_ts()
    message = _bot_message(team, {"text": _stream_text(params), **params}, ts)
    fake._messages[(channel, ts)] = message
    fake._streaming.add((channel, ts))
    fake.statuses.pop((channel, str(params["thread_ts"])), None)
    return {"channel": channel, "ts": ts}


def _streamed(fake: FakeSlackAPI, params: dict[str, Any]) -> dict[str, Any]:
    key = (params["channel"], params["ts"])
    if key not in fake._messages:
        raise SlackError("message_not_found")
    if key not in fake._streaming:
        raise SlackError("message_not_in_streaming_state")
    return fake._messages[key]


@_method("chat.appendStream")
def _chat_append_stream(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    message = _streamed(fake, params)
    text = _stream_text(params)
    if not text:
        raise _missing("markdown_text")
    message["text"] += text
    return {"channel": params["channel"], "ts": params["ts"]}


@_method("chat.stopStream")
def _chat_stop_stream(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    message = _streamed(fake, params)
    message["text"] += _stream_text(params)
    fake._check_blocks("chat.stopStream", params)
    if params.get("blocks"):
        message["blocks"] = params["blocks"]
    fake._streaming.discard((params["channel"], params["ts"]))
    return {"channel": params["channel"], "ts": params["ts"], "message": dict(message)}


@_method("chat.delete")
def _chat_delete(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    if fake._messages.pop((params["channel"], params["ts"]), None) is None:
        raise SlackError("message_not_found")
    return {"channel": params["channel"], "ts": params["ts"]}


@_method("chat.getPermalink")
def _chat_get_permalink(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    """``https://<domain>.slack.com/archives/<channel>/p<ts without the dot>``, with
    ``?thread_ts=…&cid=…`` for a reply, as Slack answers."""
    channel, ts = params["channel"], params["message_ts"]
    _readable(fake, team, channel)
    message = fake._messages.get((channel, ts))
    if message is None:
        raise SlackError("message_not_found")
    link = f"https://{team.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    parent = message.get("thread_ts")
    if parent and parent != ts:
        link += f"?thread_ts={parent}&cid={channel}"
    return {"channel": channel, "permalink": link}


@_method("conversations.replies")
def _conversations_replies(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    """The thread's parent then its replies, oldest first, ``limit`` a page (Slack's default
    and cap: 1000), ``cursor`` the next page; ``thread_not_found`` for a ts that is no message
    there. A ts that is a message without replies answers that message alone, as Slack does."""
    channel, ts = params["channel"], params["ts"]
    _readable(fake, team, channel)
    parent = fake._messages.get((channel, ts))
    if parent is None:
        raise SlackError("thread_not_found")
    replies = sorted(
        (m for (c, _), m in fake._messages.items() if c == channel and m.get("thread_ts") == ts),
        key=lambda m: float(m["ts"]),
    )
    thread = [parent] + [m for m in replies if m["ts"] != ts]
    try:
        limit = min(max(int(params.get("limit") or 1000), 1), 1000)
        start = int(params.get("cursor") or 0)
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page = thread[start : start + limit]
    more = start + limit < len(thread)
    answer: dict[str, Any] = {"messages": [dict(m) for m in page], "has_more": more}
    if more:  # Slack's 2021 schema has no response_metadata; its docs show it when paging
        answer["response_metadata"] = {"next_cursor": str(start + limit)}
    return answer


@_method("conversations.history")
def _conversations_history(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    """The channel's top-level messages (thread replies left out, as Slack does), newest
    first, those after ``oldest`` (a ts, exclusive), ``limit`` a page (Slack's default 100,
    cap 999), ``cursor`` the next page; ``channel_not_found`` for one the bot cannot see."""
    channel = params["channel"]
    _readable(fake, team, channel)
    try:
        oldest = float(params.get("oldest") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 999)
        start = int(params.get("cursor") or 0)
    except ValueError:
        raise SlackError("invalid_arguments") from None
    messages = sorted(
        (
            m
            for (c, ts), m in fake._messages.items()
            if c == channel and float(ts) > oldest and m.get("thread_ts") in (None, m["ts"])
        ),
        key=lambda m: -float(m["ts"]),
    )
    page = messages[start : start + limit]
    more = start + limit < len(messages)
    return {
        "messages": [dict(m) for m in page],
        "has_more": more,
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
        # In Slack's documentation, not in its 2021 published schema.
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _readable(fake: FakeSlackAPI, team: _Team, channel: str) -> None:
    """A conversation the bot may read: a DM of its own, a public channel, or a private one it
    is in (Slack hides the others: ``channel_not_found``)."""
    if channel in fake._team_dms(team):
        return
    info = team.channels.get(channel)
    if info is None or (info["is_private"] and not info["is_member"]):
        raise SlackError("channel_not_found")


def _require_text(params: dict[str, Any]) -> None:
    if not (params.get("text") or params.get("blocks") or params.get("attachments")):
        raise SlackError("no_text")


def _bot_message(team: _Team, params: dict[str, Any], ts: str) -> dict[str, Any]:
    message = {
        "type": "message",
        "text": params.get("text") or "",
        "user": team.bot_user_id,
        "bot_id": team.bot_id,
        "ts": ts,
        "team": team.id,
    }
    if params.get("blocks"):
        message["blocks"] = params["blocks"]
    if params.get("thread_ts"):
        message["thread_ts"] = params["thread_ts"]
    return message


@_method("views.open")
def _views_open(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    view = fake._check_view("views.open", params["view"])
    fake._use_trigger(params["trigger_id"])
    stored = fake._store_view(team, view)
    fake._stacks[stored["id"]] = [stored["id"]]
    return {"view": stored}


@_method("views.push")
def _views_push(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    view = fake._check_view("views.push", params["view"])
    from_view = fake._use_trigger(params["trigger_id"])
    if from_view in fake._views:
        root = fake._views[from_view]["root_view_id"]
    elif fake._stacks:  # a trigger we did not issue: the latest modal
        root = list(fake._stacks)[-1]
    else:
        raise SlackError("not_found")
    stack = fake._stacks[root]
    if len(stack) >= MAX_VIEW_STACK:
        raise SlackError("push_limit_reached")
    stored = fake._store_view(team, view, previous_view_id=stack[-1], root_view_id=stack[0])
    stack.append(stored["id"])
    return {"view": stored}


@_method("views.update")
def _views_update(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    view_id, external_id = params.get("view_id"), params.get("external_id")
    if view_id and external_id:
        raise SlackError(
            "invalid_arguments",
            response_metadata={
                "messages": ["[ERROR] Cannot provide both `view_id` and `external_id`"]
            },
        )
    if not (view_id or external_id):
        raise _missing("view_id")
    view = fake._check_view("views.update", params["view"])
    if external_id:
        found = [v for v in fake._views.values() if v["external_id"] == external_id]
        view_id = found[-1]["id"] if found else None
    old = fake._views.get(view_id) if view_id else None
    if old is None:
        raise SlackError("not_found")
    if params.get("hash") and params["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    kept = {k: old[k] for k in ("previous_view_id", "root_view_id")}
    if "external_id" not in view:  # an update that does not name it keeps the view's
        kept["external_id"] = old["external_id"]
    return {"view": fake._store_view(team, view, view_id=old["id"], **kept)}


@_method("views.publish")
def _views_publish(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    if params["user_id"] not in team.users:
        raise SlackError("user_not_found")
    view = fake._check_view("views.publish", params["view"])
    if view["type"] != "home":
        raise SlackError("invalid_arguments", response_metadata={"messages": ["not a home view"]})
    key = (team.id, params["user_id"])
    old = fake._views.get(fake._homes.get(key, ""))
    if old and params.get("hash") and params["hash"] != old["hash"]:
        raise SlackError("hash_conflict")
    stored = fake._store_view(team, view, view_id=old["id"] if old else None)
    fake._homes[key] = stored["id"]
    return {"view": stored}


@_method("users.info")
def _users_info(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    user = team.users.get(params["user"])
    if user is None:
        raise SlackError("user_not_found")
    return {"user": _public_user(user, params)}


@_method("users.list")
def _users_list(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    members = [_public_user(u, params) for u in team.users.values()]
    start = int(base64.b64decode(params["cursor"]).decode()[5:]) if params.get("cursor") else 0
    limit = int(params.get("limit") or 0) or len(members) or 1
    page, rest = members[start : start + limit], members[start + limit :]
    cursor = base64.b64encode(f"user:{start + limit}".encode()).decode() if rest else ""
    return {
        "members": page,
        "cache_ts": int(fake.clock()),
        "response_metadata": {"next_cursor": cursor},
    }


def _public_user(user: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if str(params.get("include_locale", "")).lower() in ("1", "true"):
        return dict(user)
    return {k: v for k, v in user.items() if k != "locale"}


@_method("conversations.open")
def _conversations_open(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    if params.get("channel"):
        if params["channel"] not in fake._team_dms(team):
            raise SlackError("channel_not_found")
        return {"channel": {"id": params["channel"]}, "no_op": True, "already_open": True}
    if not params.get("users"):
        raise SlackError("users_list_not_supplied")
    users = [u.strip() for u in str(params["users"]).split(",") if u.strip()]
    if len(users) > 1:
        raise SlackError("method_not_supported_for_channel_type")  # group DMs: not used by us
    if users[0] not in team.users:
        raise SlackError("user_not_found")
    already = (team.id, users[0]) in fake._dms
    channel = fake.dm_channel(team.id, users[0])
    return {"channel": {"id": channel}, "no_op": already, "already_open": already}


@_method("conversations.info")
def _conversations_info(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    return {"channel": _conversation(fake, team, params["channel"])}


@_method("conversations.join")
def _conversations_join(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    info = team.channels.get(params["channel"])
    if info is None:
        raise SlackError("channel_not_found")
    if info["is_private"]:
        raise SlackError("method_not_supported_for_channel_type")
    if info["is_archived"]:
        raise SlackError("is_archived")
    info["is_member"] = True
    return {"channel": dict(info)}


@_method("conversations.members")
def _conversations_members(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    """Paginated like ``users.list``; a private channel the bot is not in does not exist."""
    info = team.channels.get(params["channel"])
    if info is None or (info["is_private"] and not info["is_member"]):
        raise SlackError("channel_not_found")
    members = fake._members.get((team.id, params["channel"]), [])
    start = int(base64.b64decode(params["cursor"]).decode()[7:]) if params.get("cursor") else 0
    limit = int(params.get("limit") or 0) or 100
    page, rest = members[start : start + limit], members[start + limit :]
    cursor = base64.b64encode(f"member:{start + limit}".encode()).decode() if rest else ""
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def _conversation(fake: FakeSlackAPI, team: _Team, channel: str) -> dict[str, Any]:
    if channel in team.channels:
        return dict(team.channels[channel])
    for (team_id, user_id), dm in fake._dms.items():
        if dm == channel and team_id == team.id:
            return {"id": dm, "is_im": True, "user": user_id, "is_open": True}
    raise SlackError("channel_not_found")


@_method("team.info")
def _team_info(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    return {
        "team": {
            "id": team.id,
            "name": team.name,
            "domain": team.domain,
            "email_domain": "",
            "icon": {"image_default": True},
        }
    }


@_method("files.getUploadURLExternal")
def _files_get_upload_url(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    try:
        length = int(params["length"])
    except (TypeError, ValueError):
        length = 0
    if length <= 0 or not params["filename"]:
        raise SlackError("invalid_arguments")
    file_id = fake._new_id("F")
    fake._files[file_id] = UploadedFile(file_id, team.id, params["filename"], length)
    return {"upload_url": f"{fake.url}/upload/{file_id}", "file_id": file_id}


@_method("files.completeUploadExternal")
def _files_complete_upload(fake: FakeSlackAPI, team: _Team, params: dict, **_: Any) -> dict:
    files = params["files"]
    if not isinstance(files, list) or not files:
        raise SlackError("invalid_arguments")
    uploads = [fake._files.get(f.get("id")) if isinstance(f, dict) else None for f in files]
    if any(u is None or u.team_id != team.id or u.content is None for u in uploads):
        raise SlackError("file_not_found")
    channel = fake._postable(team, params["channel_id"]) if params.get("channel_id") else None
    done = []
    for upload, spec in zip(uploads, files, strict=True):
        assert upload is not None
        upload.title = spec.get("title") or upload.filename
        upload.channel_id, upload.completed = channel, True
        upload.initial_comment = params.get("initial_comment")
        done.append({"id": upload.id, "title": upload.title})
    return {"files": done}


# --------------------------------------------------------------------- HTTP plumbing


class _Server(ThreadingHTTPServer):
    # Slack accepts hundreds of connections at once; the default backlog of 5 would drop the
    # connection attempts of a busy client, each then retried by the kernel a second later.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    # Kept-alive connections are tracked so that closing the fake ends them, as a server
    # going away does: the clients' idle connections then read as closed.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            still_open, self._open = list(self._open), set()
        for conn in still_open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    owner: FakeSlackAPI
    # Slack's API keeps connections alive (HTTP/1.1) unless the client asks to close.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
    # client's delayed ACK (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        with self.owner._lock:
            self.owner.connections += 1

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._route()

    def do_POST(self) -> None:  # noqa: N802
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("fake slack: " + format, *args)

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        kind, _, rest = url.path.lstrip("/").partition("/")
        try:
            if kind == "api" and rest:
                try:
                    params = _params(url.query, body, content_type)
                except SlackError as error:
                    self._send(error.status, error.headers, error.body)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, extra, answer = self.owner._handle_api(rest, params, headers)
                self._send(status, extra, answer)
            elif kind == "upload" and self.command == "POST":
                status, text = self.owner._handle_upload(rest, body, content_type)
                self._send(status, {}, text)
            elif kind == "response" and self.command == "POST":
                status, answer = self.owner._handle_response_url(rest, body)
                self._send(status, {}, answer)
            else:
                self._send(404, {}, "not found")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout): nothing to answer
        except _Dropped:
            self.close_connection = True  # no answer at all: the client sees the connection end

    def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
        if isinstance(body, str):
            data, content_type = body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Query string and body merged, as Slack reads them; JSON-valued fields decoded."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(data, dict):
            raise SlackError("json_not_object")
        params.update(data)
    elif content_type.startswith("multipart/form-data"):
        params.update(
            {k: v.decode("utf-8", "replace") for k, v in _multipart(body, content_type).items()}
        )
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for name in JSON_PARAMS:
        if isinstance(params.get(name), str):
            try:
                params[name] = json.loads(params[name])
            except ValueError as exc:
                error = "invalid_blocks_format" if name == "blocks" else "invalid_arguments"
                raise SlackError(error) from exc
    return {k: v for k, v in params.items() if v is not None}


def _multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    return {
        str(part.get_param("name", header="content-disposition")): part.get_payload(decode=True)
        for part in message.iter_parts()  # type: ignore[attr-defined]
    }


# --------------------------------------------------------------------- pytest fixture


@contextlib.contextmanager
def running_fake_slack_api() -> Iterator[FakeSlackAPI]:
    """A fake for the length of the block; fails the test if it was sent invalid Block Kit."""
    fake = FakeSlackAPI()
    try:
        yield fake
    finally:
        fake.close()
    if fake.invalid:
        pytest.fail(
            "Slack would have refused these blocks/views:\n" + "\n".join(fake.invalid),
            pytrace=False,
        )


@pytest.fixture(name="slack_api")
def slack_api_fixture() -> Iterator[FakeSlackAPI]:
    """A fresh fake per test (starting one takes about a millisecond: no session-wide one)."""
    with running_fake_slack_api() as fake:
        yield fake
