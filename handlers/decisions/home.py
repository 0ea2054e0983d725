"""The Home tab, published when someone opens it."""

from __future__ import annotations

from typing import Any

from handlers.context import Caller
from handlers.decisions.access import publish_home


def app_home_opened(event: dict[str, Any], caller: Caller) -> None:
    if event.get("tab", "home") == "home":
        publish_home(caller, event["user"])
