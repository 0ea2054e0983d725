"""The one way we build Slack Web API clients: our base URL, timeouts and retry policy.

Jobs run outside any Slack request, so they get a workspace's client from ``team_client``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings
from bot.db import session_scope
from bot.models import Workspace
from bot.tokens import installation_store

if TYPE_CHECKING:
    from bot.services import Services


def retry_handlers() -> list:
    """Retry what Slack asks us to retry: 429 after Retry-After, dropped connections, 5xx."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]


def make_web_client(settings: Settings, token: str | None = None, timeout: int = 10) -> WebClient:
    return WebClient(
        token=token,
        base_url=settings.SLACK_API_BASE_URL,
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )


def team_client(
    services: Services, team_id: str, enterprise_id: str | None = None
) -> WebClient | None:
    """A client with the workspace's bot token (the single token, or its installation's); None
    when it has none. Without ``enterprise_id``, OAuth mode reads it from the workspace."""
    settings = services.settings
    if not settings.oauth_enabled:
        token = settings.SLACK_BOT_TOKEN
    else:
        if enterprise_id is None:
            with session_scope(services.sessions) as session:
                workspace = session.get(Workspace, team_id)
                enterprise_id = workspace.enterprise_id if workspace else None
        store = services.installation_store or installation_store(settings, services.engine)
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        token = bot.bot_token if bot else None
    return make_web_client(settings, token=token) if token else None
