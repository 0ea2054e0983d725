"""What the settings listeners share: the modal as it stands now, and the admin's reply line."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.db import session_scope
from bot.digest import recent_failures
from bot.news.feeds import DEFAULT_FEEDS
from bot.team_config import load_config, recent_changes, team_feeds
from bot.text import json_object
from bot.views.settings import SettingsScreen, settings_view
from handlers.context import Caller

log = logging.getLogger(__name__)


def metadata(channel_id: str | None) -> str:
    """The modal remembers where the command came from, to confirm there."""
    return json.dumps({"channel": channel_id}) if channel_id else ""


def channel_of(private_metadata: str | None) -> str | None:
    channel = json_object(private_metadata).get("channel")
    return channel if isinstance(channel, str) and channel else None


def current_view(caller: Caller, *, fallback_tz: str | None, channel_id: str | None) -> View:
    settings = caller.services.settings
    with session_scope(caller.services.sessions) as session:
        screen = SettingsScreen(
            config=load_config(session, caller.team_id, fallback_tz),
            lang=caller.lang,
            feeds=team_feeds(session, caller.team_id),
            history=recent_changes(session, caller.team_id),
            builtin_feeds=len(DEFAULT_FEEDS),
            llm_default_model=settings.OPENAI_MODEL if settings.llm_configured else None,
            llm_models=settings.allowed_models,
            private_metadata=metadata(channel_id),
            delivery_problems=recent_failures(session, caller.team_id),
        )
    return settings_view(screen)


def tell(caller: Caller, channel_id: str | None, text: str) -> None:
    """One ephemeral line where the admin ran the command, or a DM when that is not possible."""
    if channel_id:
        try:
            caller.client.chat_postEphemeral(channel=channel_id, user=caller.user_id, text=text)
            return
        except SlackApiError as exc:
            log.info(
                "ephemeral confirmation failed (%s); sending a DM instead",
                exc.response.get("error"),
            )
    caller.client.chat_postMessage(channel=caller.user_id, text=text)
