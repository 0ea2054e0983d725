"""Requests as Slack sends them to the app, signed as Slack signs them.

Every builder follows a real payload kept in ``tests/data/slack-payloads`` (taken from
bolt-python's tests) field for field; only the values change. Interactive payloads are form
bodies ``payload=<json>``, slash commands plain form bodies, events JSON, as on the wire.

Typical use::

    body = slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL,
                         response_url=fake.response_url(TEAM, CHANNEL))
    response = dispatch(app, body, secret=SIGNING_SECRET)
    assert response.status == 200
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from functools import partial
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App, BoltRequest, BoltResponse

API_APP_ID = "A0APP0001"  # the fake Slack API's default app id
BOT_USER_ID = "U0BOT"  # the fake Slack API's default bot user
BOT_ID = "B0APPBOT01"
VERIFICATION_TOKEN = "verification_token"  # deprecated, still sent by Slack


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's headers for ``body``: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def new_trigger_id() -> str:
    """A trigger_id shaped like Slack's (``398738663015.47445629121.803a0bc8...``)."""
    return f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**11)}.{secrets.token_hex(16)}"


def _response_url(kind: str, team_id: str) -> str:
    path = f"{kind}/{team_id}/{secrets.randbelow(10**12)}/{secrets.token_urlsafe(18)}"
    return f"https://hooks.slack.com/{path}"


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": team_id.lower()}


def _form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


# ----------------------------------------------------------------------- commands and actions


def slash_command(
    text: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    command: str = "/buildvsbuy",
    trigger_id: str | None = None,
    response_url: str | None = None,
    channel_name: str = "general",
) -> str:
    """The form body of a slash command (slash_command.form.txt, with ``api_app_id``)."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": team_id.lower(),
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "response_url": response_url or _response_url("commands", team_id),
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def button(
    action_id: str, value: str, *, block_id: str = "b", text: str = "Button"
) -> dict[str, Any]:
    """A clicked button as it appears in ``actions`` (block_actions.json)."""
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": f"{time.time():.6f}",
    }


def block_actions(
    actions: list[dict[str, Any]],
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None = None,
    view: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    message_ts: str = "1700000000.000100",
) -> str:
    """A ``block_actions`` form body: from a message in ``channel_id``, or from ``view``."""
    if container is None:
        container = (
            {"type": "view", "view_id": view["id"]}
            if view is not None
            else {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
        )
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
    }
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "general"}
    if view is not None:
        payload["view"] = view
    else:  # Slack gives a response_url for actions in messages, not in views
        payload["response_url"] = response_url or _response_url("actions", team_id)
    payload["actions"] = actions
    return _form(payload)


# ----------------------------------------------------------------------- shortcuts


def global_shortcut(
    callback_id: str, *, team_id: str, user_id: str, trigger_id: str | None = None
) -> str:
    """A global shortcut's form body (global_shortcut.json, not an org install)."""
    return _form(
        {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": f"{time.time():.6f}",
            "team": _team(team_id),
            "user": {"id": user_id, "username": user_id.lower(), "team_id": team_id},
            "callback_id": callback_id,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def message_shortcut(
    callback_id: str,
    message: dict[str, Any],
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> str:
    """A message shortcut's form body (message_shortcut.json: ``type: message_action``).

    ``message`` is the message as Slack holds it (``type``, ``user``, ``text``, ``ts``, and
    ``thread_ts`` for one in a thread), e.g. ``fake.message(channel, ts)``.
    """
    return _form(
        {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": f"{time.time():.6f}",
            "team": _team(team_id),
            "user": {"id": user_id, "name": user_id.lower()},
            "channel": {"id": channel_id, "name": "general"},
            "callback_id": callback_id,
            "trigger_id": trigger_id or new_trigger_id(),
            "message_ts": message["ts"],
            "message": message,
            "response_url": response_url or _response_url("app", team_id),
        }
    )


# ----------------------------------------------------------------------- views


def text_input_values(values: dict[str, dict[str, str]]) -> dict[str, Any]:
    """``{block_id: {action_id: "typed"}}`` -> a view's ``state.values`` for text inputs."""
    return {
        block_id: {
            action_id: {"type": "plain_text_input", "value": value}
            for action_id, value in actions.items()
        }
        for block_id, actions in values.items()
    }


def submitted_view(
    callback_id: str,
    state_values: dict[str, Any],
    *,
    team_id: str,
    private_metadata: str = "",
    view_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Build vs Buy",
) -> dict[str, Any]:
    """A modal as Slack hands it back in view payloads (view_submission.json's ``view``)."""
    view_id = view_id or f"V{secrets.token_hex(5).upper()}"
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "blocks": blocks or [],
        "private_metadata": private_metadata,
        "callback_id": callback_id,
        "state": {"values": state_values},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "title": {"type": "plain_text", "text": title},
        "clear_on_close": False,
        "notify_on_close": False,
        "close": {"type": "plain_text", "text": "Cancel"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": "",
        "app_installed_team_id": team_id,
        "bot_id": BOT_ID,
    }


def view_submission(
    view_callback_id: str,
    state_values: dict[str, Any],
    *,
    team_id: str,
    user_id: str,
    private_metadata: str = "",
    view_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    response_urls: list[dict[str, str]] | None = None,
    trigger_id: str | None = None,
) -> str:
    """A ``view_submission`` form body (view_submission_with_response_urls.json)."""
    view = submitted_view(
        view_callback_id,
        state_values,
        team_id=team_id,
        private_metadata=private_metadata,
        view_id=view_id,
        blocks=blocks,
    )
    return _form(
        {
            "type": "view_submission",
            "team": _team(team_id),
            "user": _user(user_id, team_id),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or new_trigger_id(),
            "view": view,
            "response_urls": response_urls or [],
            "is_enterprise_install": False,
        }
    )


def view_closed(
    view_callback_id: str,
    *,
    team_id: str,
    user_id: str,
    private_metadata: str = "",
    view_id: str | None = None,
    is_cleared: bool = False,
) -> str:
    """A ``view_closed`` form body: a view_submission without trigger or response_urls."""
    view = submitted_view(
        view_callback_id, {}, team_id=team_id, private_metadata=private_metadata, view_id=view_id
    )
    return _form(
        {
            "type": "view_closed",
            "team": _team(team_id),
            "user": _user(user_id, team_id),
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "view": view,
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
        }
    )


# ----------------------------------------------------------------------- events


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str,
    event_id: str | None = None,
    api_app_id: str = API_APP_ID,
    bot_user_id: str = BOT_USER_ID,
) -> str:
    """An Events API JSON body (app_home_opened_event_callback.json, not an org install)."""
    now = time.time()
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def url_verification(challenge: str) -> str:
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    )


def app_home_opened(
    user_id: str,
    team_id: str,
    *,
    tab: str = "home",
    channel: str | None = None,
    view: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> str:
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": channel or f"D{user_id[1:]}",
        "tab": tab,
    }
    if view is not None:  # the Home view last published for this user, if any
        event["view"] = view
    return event_callback(event, team_id=team_id, event_id=event_id)


def app_mention(
    text: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_id: str | None = None,
    event_id: str | None = None,
) -> str:
    """An ``app_mention`` event callback (app_mention_event_callback.json): ``text`` holds the
    mention as Slack writes it (``<@U0BOT> should we…``); ``bot_id`` for a bot's message."""
    ts = ts or f"{time.time():.6f}"
    event: dict[str, Any] = {
        "client_msg_id": secrets.token_hex(16),
        "type": "app_mention",
        "text": text,
        "user": user_id,
        "ts": ts,
        "team": team_id,
        "channel": channel_id,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if bot_id:
        event["bot_id"] = bot_id
        event.pop("client_msg_id")
    return event_callback(event, team_id=team_id, event_id=event_id)


def assistant_thread_event(
    event_type: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    thread_ts: str,
    context_channel: str | None = None,
    event_id: str | None = None,
) -> str:
    """An ``assistant_thread_*`` event: ``channel_id`` is the person's DM with the app,
    ``thread_ts`` the panel's thread, ``context_channel`` the channel they are looking at."""
    context: dict[str, Any] = {"team_id": team_id, "enterprise_id": None}
    if context_channel:
        context["channel_id"] = context_channel
    thread = {
        "user_id": user_id,
        "context": context,
        "channel_id": channel_id,
        "thread_ts": thread_ts,
    }
    event = {"type": event_type, "assistant_thread": thread}
    return event_callback(event, team_id=team_id, event_id=event_id)


# They opened the app's assistant panel (assistant_thread_started_event_callback.json).
assistant_thread_started = partial(assistant_thread_event, "assistant_thread_started")
# They moved to another channel with the panel open
# (assistant_thread_context_changed_event_callback.json).
assistant_thread_context_changed = partial(
    assistant_thread_event, "assistant_thread_context_changed"
)


def assistant_user_message(
    text: str,
    *,
    team_id: str,
    user_id: str,
    channel_id: str,
    thread_ts: str,
    ts: str | None = None,
    event_id: str | None = None,
) -> str:
    """What the person typed in the assistant thread: a ``message`` in an ``im`` with its
    ``thread_ts`` (assistant_user_message_event_callback.json)."""
    ts = ts or f"{time.time():.6f}"
    event = {
        "user": user_id,
        "type": "message",
        "ts": ts,
        "text": text,
        "team": team_id,
        "user_team": team_id,
        "source_team": team_id,
        "user_profile": {},
        "thread_ts": thread_ts,
        "parent_user_id": user_id,
        "channel": channel_id,
        "event_ts": ts,
        "channel_type": "im",
    }
    return event_callback(event, team_id=team_id, event_id=event_id)


def app_uninstalled(team_id: str, *, event_id: str | None = None) -> str:
    return event_callback({"type": "app_uninstalled"}, team_id=team_id, event_id=event_id)


def tokens_revoked(
    team_id: str,
    bot_ids: list[str],
    *,
    user_ids: list[str] | None = None,
    event_id: str | None = None,
) -> str:
    """``bot_ids``/``user_ids`` are the *user* ids whose bot/user tokens were revoked."""
    event = {"type": "tokens_revoked", "tokens": {"oauth": user_ids or [], "bot": bot_ids}}
    return event_callback(event, team_id=team_id, event_id=event_id)


# ----------------------------------------------------------------------- sending


def content_type_of(body: str) -> str:
    return "application/json" if body.startswith("{") else "application/x-www-form-urlencoded"


def bolt_request(body: str, headers: dict[str, str]) -> BoltRequest:
    return BoltRequest(body=body, headers=headers)


def dispatch(
    app: App,
    body: str,
    *,
    secret: str,
    timestamp: int | None = None,
    extra_headers: dict[str, str] | None = None,
) -> BoltResponse:
    """Sign ``body`` and hand it to ``app`` as its HTTP adapter would."""
    headers = {"Content-Type": content_type_of(body), **sign(body, secret, timestamp)}
    return app.dispatch(bolt_request(body, {**headers, **(extra_headers or {})}))


def post_signed(
    url: str,
    body: str,
    *,
    secret: str,
    content_type: str | None = None,
    timestamp: int | None = None,
    extra_headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], str]:
    """POST ``body`` signed to ``url`` (the app's Request URL) as Slack would.

    Returns (status, headers, body) whatever the status, 4xx and 5xx included.
    """
    headers = {
        "Content-Type": content_type or content_type_of(body),
        **sign(body, secret, timestamp),
        **(extra_headers or {}),
    }
    request = urllib.request.Request(url, body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read().decode()
