"""Delete all data: the button opens a confirmation naming what will go; confirming purges.

Both steps check ``require_admin`` on the server: a forged click or submission from a
non-admin deletes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack

from bot.db import session_scope
from bot.i18n import t
from bot.team_config import purge_team, team_data_counts
from bot.views.settings import purge_view
from handlers.context import Caller, require_admin
from handlers.settings.screen import channel_of, tell
from handlers.settings.submit import refuse_unless_admin

log = logging.getLogger(__name__)


def open_purge_confirmation(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    ack()
    require_admin(caller)
    with session_scope(caller.services.sessions) as session:
        counts = team_data_counts(session, caller.team_id)
    metadata = (body.get("view") or {}).get("private_metadata", "")
    caller.client.views_push(
        trigger_id=body["trigger_id"], view=purge_view(counts, caller.lang, metadata)
    )


def confirm_purge(ack: Ack, body: dict[str, Any], caller: Caller) -> None:
    if refuse_unless_admin(ack, caller):
        return
    ack(response_action="clear")
    with session_scope(caller.services.sessions, write=True) as session:
        deleted = purge_team(
            session, caller.team_id, by=caller.user_id, now=caller.services.clock()
        )
    caller.services.forget_team(caller.team_id)
    log.info(
        "team=%s data deleted from Slack by user=%s (%d rows)",
        caller.team_id,
        caller.user_id,
        sum(deleted.values()),
    )
    tell(
        caller,
        channel_of(body["view"].get("private_metadata")),
        t("settings.purge.done", caller.lang),
    )
