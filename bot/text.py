"""The text helpers every Slack surface uses: mrkdwn escaping and cutting to Slack's limits.

Plain text is what we store; ``escape`` is applied at the last moment, when a message or view
is built, so user and feed text can neither ping nor link.
"""

from __future__ import annotations

import json
from typing import Any


def escape(text: str) -> str:
    """Text inside mrkdwn: Slack's three control characters ``&``, ``<`` and ``>`` escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, an ellipsis marking a cut (Block Kit's limits)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def truncate_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters on a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def json_object(raw: str | None) -> dict[str, Any]:
    """A button value or a view's metadata read back as a JSON object: it comes from the
    client, so anything else (empty, not JSON, not an object) reads as ``{}``."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
