"""The Home tab, published when someone opens it."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services import Services
from handlers.decisions.access import publish_home


def app_home_opened(
    event: dict[str, Any],
    client: WebClient,
    services: Services,
    team_id: str,
    enterprise_id: str | None,
) -> None:
    if event.get("tab", "home") == "home":
        publish_home(services, client, team_id, event["user"])
