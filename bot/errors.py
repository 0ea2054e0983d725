"""Our error types and the one place that turns them into what a user sees."""

from __future__ import annotations

import logging
import uuid

log = logging.getLogger(__name__)


class UserError(Exception):
    """A problem the user can act on; ``key`` names the catalog sentence they see."""

    key = "errors.generic"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key)


class NotFound(UserError):
    """Also what a forged id from another workspace gets: it does not exist for this team."""

    key = "errors.not_found"


class NotAllowed(UserError):
    key = "errors.not_allowed"


class InvalidInput(UserError):
    key = "errors.invalid_input"


def new_error_id() -> str:
    """A short id a user can quote and an operator can grep for."""
    return uuid.uuid4().hex[:8]


# Slack API errors a user can do something about, mapped to catalog keys.
SLACK_ERROR_KEYS: dict[str, str] = {
    "not_in_channel": "errors.slack.not_in_channel",
    "channel_not_found": "errors.slack.channel_not_found",
    "is_archived": "errors.slack.is_archived",
    "ratelimited": "errors.slack.ratelimited",
    "expired_trigger_id": "errors.slack.expired_trigger_id",
    "user_not_found": "errors.slack.user_not_found",
    "account_inactive": "errors.slack.account_inactive",
    "missing_scope": "errors.slack.missing_scope",
}


def parse_id(raw: object) -> int:
    """An id from a payload (button value, metadata); garbage reads as "not found"."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit() or len(text) > 18:
        raise NotFound()
    return int(text)


# Answers after which Slack may or may not have done a write: its own "something broke" codes
# (it documents that part of the operation may have succeeded) and a connection that ended
# without an answer (``bot.messaging.client.error_code``). A 429, a refused connection or a 503 mean
# it was not done.
MAYBE_DONE = frozenset({"internal_error", "fatal_error", "no_answer"})
