"""Driving the settings modal as an admin would: open it, edit its state, submit it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.digest import delivery
from bot.workspaces import ensure_workspace
from tests.conftest import ADMIN, CHANNEL, TEAM
from tests.slack_requests import slash_command, view_submission

OPTION_TEXT = {"type": "plain_text", "text": "x"}


def open_modal(send, slack_api, user: str = ADMIN) -> dict[str, Any]:
    before = len(slack_api.calls_to("views.open"))
    response = send(slash_command("settings", team_id=TEAM, user_id=user, channel_id=CHANNEL))
    assert response.status == 200
    opened = slack_api.calls_to("views.open")
    assert len(opened) == before + 1, "no modal was opened"
    return opened[-1].params["view"]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def _payload(kind: str, value: Any) -> dict[str, Any]:
    """What Slack sends back for a widget of ``kind`` holding ``value``."""
    if kind == "radio_buttons":
        return {"selected_option": {"text": OPTION_TEXT, "value": value} if value else None}
    if kind in ("checkboxes", "multi_static_select"):
        return {"selected_options": [{"text": OPTION_TEXT, "value": v} for v in value]}
    if kind == "multi_users_select":
        return {"selected_users": list(value)}
    if kind == "conversations_select":
        return {"selected_conversation": value}
    if kind == "timepicker":
        return {"selected_time": value}
    return {"value": value}


def initial(element: dict[str, Any]) -> Any:
    kind = element["type"]
    if kind == "radio_buttons":
        return (element.get("initial_option") or {}).get("value")
    if kind in ("checkboxes", "multi_static_select"):
        return [o["value"] for o in element.get("initial_options") or []]
    if kind == "multi_users_select":
        return element.get("initial_users") or []
    if kind == "conversations_select":
        return element.get("initial_conversation")
    if kind == "timepicker":
        return element.get("initial_time")
    return element.get("initial_value")


def state_from(view: dict[str, Any], **edits: Any) -> dict[str, Any]:
    """The modal's state as Slack submits it: what it showed, with ``edits`` typed in."""
    values: dict[str, Any] = {}
    for b in view["blocks"]:
        if b["type"] != "input":
            continue
        element = b["element"]
        value = edits.pop(b["block_id"], initial(element))
        values[b["block_id"]] = {
            element["action_id"]: {"type": element["type"], **_payload(element["type"], value)}
        }
    assert not edits, f"no such fields in the modal: {sorted(edits)}"
    return values


def submit(send, view: dict[str, Any], user: str = ADMIN, **edits: Any):
    body = view_submission(
        "settings",
        state_from(view, **edits),
        team_id=TEAM,
        user_id=user,
        private_metadata=view.get("private_metadata", ""),
    )
    return send(body)


def errors_of(response) -> dict[str, str]:
    assert response.status == 200, response.body
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    return body["errors"]


def fail_delivery(session, team_id: str, channel: str, error: str) -> None:
    """A digest to ``channel`` that Slack refused for good, as the worker records it."""
    ensure_workspace(session, team_id)
    won = delivery.claim(
        session,
        team_id,
        "2026-03-09",
        delivery.channel_recipient(channel),
        datetime(2026, 3, 9, 8, 0, tzinfo=UTC),
        "worker",
    )
    delivery.mark_failed(session, won, error)
    session.commit()
