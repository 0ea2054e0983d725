"""Workspace lifecycle events: uninstall and token revocation delete the tokens at once.

Both are safe to run twice: Slack retries an event whose handler did not finish.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.db import session_scope
from bot.workspaces import mark_uninstalled
from handlers.context import Caller, handled_once

log = logging.getLogger(__name__)


def app_uninstalled(event: dict[str, Any], caller: Caller) -> None:
    services, team_id, enterprise_id = caller.services, caller.team_id, caller.enterprise_id
    store = services.installation_store
    if store is not None:
        store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    with session_scope(services.sessions, write=True) as session:
        mark_uninstalled(session, team_id, services.clock())
    log.info("app uninstalled team=%s: tokens deleted", team_id)


def tokens_revoked(event: dict[str, Any], caller: Caller) -> None:
    services, team_id, enterprise_id = caller.services, caller.team_id, caller.enterprise_id
    store = services.installation_store
    tokens = event.get("tokens") or {}
    if store is not None:
        for user_id in tokens.get("oauth") or []:
            store.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id)
        if tokens.get("bot"):
            store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
    log.info(
        "tokens revoked team=%s: %d bot, %d user tokens deleted",
        team_id,
        len(tokens.get("bot") or []),
        len(tokens.get("oauth") or []),
    )


def register(app: App) -> None:
    app.event("app_uninstalled")(handled_once(app_uninstalled))
    app.event("tokens_revoked")(handled_once(tokens_revoked))
