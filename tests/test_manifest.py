"""manifest.json and the app agree: every shortcut and event it declares has a listener, every
listener's shortcut and event is declared, and the README explains each scope it asks for."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.production import registered_listeners

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
# Events Bolt handles for us, or that the app does not listen to by name.
NOT_LISTENERS = {"message.im"}


def test_every_shortcut_is_declared_and_registered(tmp_path: Path) -> None:
    listeners = registered_listeners(tmp_path)
    declared = {f"shortcut:{s['callback_id']}" for s in MANIFEST["features"]["shortcuts"]}
    registered = {name for name in listeners if name.startswith("shortcut:")}
    assert declared == registered
    kinds = {s["callback_id"]: s["type"] for s in MANIFEST["features"]["shortcuts"]}
    assert kinds["decisions.from_message"] == kinds["assessment.from_message"] == "message"
    assert kinds["assessment.shortcut"] == "global"


def test_every_event_listened_to_is_subscribed(tmp_path: Path) -> None:
    listeners = registered_listeners(tmp_path)
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    # Bolt's listener for ``message`` events; the manifest subscribes to the DM ones by name.
    by_name = {"message": "message.im"}
    registered = {
        by_name.get(name.split(":", 1)[1], name.split(":", 1)[1])
        for name in listeners
        if name.startswith("event:")
    }
    assert registered <= subscribed
    assert subscribed - NOT_LISTENERS <= registered | _handled_elsewhere(listeners)


def _handled_elsewhere(listeners: set[str]) -> set[str]:
    """Events whose listeners Bolt registers under other names (the assistant's)."""
    return {
        e
        for e in ("assistant_thread_started", "assistant_thread_context_changed")
        if any(e in n or "assistant" in n for n in listeners)
    }


def test_the_readme_explains_every_scope_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Scopes", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    explained = {scope for row in rows for scope in re.findall(r"`([a-z_.:]+)`", row)}
    assert explained == set(MANIFEST["oauth_config"]["scopes"]["bot"])
