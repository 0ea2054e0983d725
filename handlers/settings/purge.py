"""Delete all data: the button opens a confirmation naming what will go; confirming purges.

Both steps check ``require_admin`` on the server: a forged click or submission from a
non-admin deletes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.db import session_scope
from bot.i18n import t
from bot.services import Services
from bot.team_config import purge_team, team_data_counts
from bot.views.settings import purge_view
from handlers.context import require_admin
from handlers.settings.screen import channel_of, tell
from handlers.settings.submit import refuse_unless_admin

log = logging.getLogger(__name__)


def open_purge_confirmation(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    lang: str,
    team_id: str,
    user_id: str,
) -> None:
    ack()
    require_admin(services, client, team_id, user_id, lang)
    with session_scope(services.sessions) as session:
        counts = team_data_counts(session, team_id)
    metadata = (body.get("view") or {}).get("private_metadata", "")
    client.views_push(trigger_id=body["trigger_id"], view=purge_view(counts, lang, metadata))


def confirm_purge(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    services: Services,
    lang: str,  # read by the middleware, before the settings go
    team_id: str,
    user_id: str,
) -> None:
    if refuse_unless_admin(ack, services, client, team_id, user_id, lang):
        return
    ack(response_action="clear")
    with session_scope(services.sessions, write=True) as session:
        deleted = purge_team(session, team_id, by=user_id, now=services.clock())
    services.forget_team(team_id)
    log.info(
        "team=%s data deleted from Slack by user=%s (%d rows)",
        team_id,
        user_id,
        sum(deleted.values()),
    )
    tell(
        client,
        channel_of(body["view"].get("private_metadata")),
        user_id,
        t("settings.purge.done", lang),
    )
