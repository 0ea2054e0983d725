"""The one way we build Slack Web API clients: our base URL, timeouts and retry policy.

Jobs run outside any Slack request, so they get a workspace's client from ``team_client``.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.config import Settings
from bot.db import session_scope
from bot.messaging.keepalive import KeepAliveWebClient
from bot.models import Workspace

if TYPE_CHECKING:
    from bot.services import Services

# How long a person's request may sleep on Slack's Retry-After before we give up and tell them
# Slack is busy: 40 requests of one workspace sleeping 8 s each held every listener thread and
# made other workspaces' acks time out. Jobs (digests, reminders) have no one waiting on them.
INTERACTIVE_WAIT = 2
WORKER_WAIT = 60

# Methods that only read. After a dropped connection or a 5xx, Slack may have done the call: a
# read can be repeated, a write (chat.postMessage, views.open, files.*...) could then happen
# twice, so writes are never repeated blindly; their caller decides (bot.digest.delivery).
READS = frozenset(
    {
        "auth.test",
        "bots.info",
        "conversations.info",
        "conversations.list",
        "conversations.members",
        "team.info",
        "users.info",
        "users.list",
        "users.lookupByEmail",
    }
)


def method_of(request: HttpRequest) -> str:
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


class ReadConnectionRetries(ConnectionErrorRetryHandler):
    """Dropped connections: retried for reads only."""

    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        # The error or status first: a 200's URL is never parsed.
        return super()._can_retry(request=request, **kwargs) and method_of(request) in READS


class ReadServerErrorRetries(ServerErrorRetryHandler):
    """500 and 503: retried for reads only."""

    def _can_retry(self, *, request: HttpRequest, **kwargs: Any) -> bool:
        # The error or status first: a 200's URL is never parsed.
        return super()._can_retry(request=request, **kwargs) and method_of(request) in READS


class BoundedRateLimitRetries(RateLimitErrorRetryHandler):
    """A 429 means Slack did nothing, so any call may wait and try again, but only when
    Retry-After is at most ``max_wait`` seconds; a longer one is the caller's to report."""

    def __init__(self, max_wait: int, max_retry_count: int = 2) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is not None and wait <= self.max_wait


def retry_after(headers: dict[str, Any] | None) -> int | None:
    """Slack's Retry-After in seconds (None when absent or unreadable)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            return int(raw) if str(raw).strip().isdigit() else None
    return None


def retry_handlers(max_wait: int = INTERACTIVE_WAIT) -> list[RetryHandler]:
    """Retry what is safe to retry: see ``READS`` and ``BoundedRateLimitRetries``."""
    # A person's request waits once at most (``INTERACTIVE_WAIT`` in all); a job may wait twice.
    waits = 1 if max_wait <= INTERACTIVE_WAIT else 2
    return [
        ReadConnectionRetries(max_retry_count=2),
        BoundedRateLimitRetries(max_wait=max_wait, max_retry_count=waits),
        ReadServerErrorRetries(max_retry_count=2),
    ]


def make_web_client(
    settings: Settings,
    token: str | None = None,
    timeout: int = 10,
    *,
    max_wait: int = INTERACTIVE_WAIT,
) -> WebClient:
    """A client for listeners; jobs pass ``max_wait=WORKER_WAIT``. Its calls reuse the
    process's keep-alive connections to Slack (``bot.messaging.keepalive``)."""
    return KeepAliveWebClient(
        token=token,
        base_url=settings.SLACK_API_BASE_URL,
        timeout=timeout,
        retry_handlers=retry_handlers(max_wait),
    )


def error_code(exc: Exception) -> str:
    """Slack's error string (``not_in_channel``...); ``network`` when the request never got to
    Slack (refused, no route), ``no_answer`` when it may have and the answer was lost."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "slack_error")
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return "network"
    return "no_answer"


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
        # Here, not above: bot.tokens loads cryptography (7 MB), which a single-workspace web
        # process never uses (bench/bench_ack.py, peak RSS).
        from bot.tokens import installation_store

        store = services.installation_store or installation_store(settings, services.engine)
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        token = bot.bot_token if bot else None
    return make_web_client(settings, token=token, max_wait=WORKER_WAIT) if token else None
