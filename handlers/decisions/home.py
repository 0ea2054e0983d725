"""The Home tab, published when someone opens it."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from handlers.context import services_of
from handlers.decisions.access import publish_home


def app_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(services_of(context), client, context.team_id, event["user"])
