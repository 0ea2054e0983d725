"""The Slack side of delivery: one message per channel per second, and
every failure turned into a Slack error code the delivery row can record."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.messaging.client import error_code
from bot.services import Services

log = logging.getLogger(__name__)

CHANNEL_INTERVAL = 1.0  # Slack: about one message per second per channel
# Where a message cannot go (the bot is not in that channel), the user gets it by DM instead.
UNPOSTABLE = ("not_in_channel", "channel_not_found", "is_archived")


class ChannelPacer:
    """Spaces messages to one channel at least ``interval`` apart (per team: channels are)."""

    def __init__(
        self,
        interval: float = CHANNEL_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        """Block until ``channel`` may get its next message, and book that slot."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._last.get(channel, -self._interval) + self._interval)
            self._last[channel] = slot
        if slot > now:
            self._sleep(slot - now)


def post(
    client: WebClient,
    pacer: ChannelPacer,
    channel: str,
    text: str,
    blocks: Sequence[dict[str, Any]],
) -> str | None:
    """Post one message, once; None when Slack took it, else the error code.

    A 429 is retried by the client after ``Retry-After`` (``bot.messaging.client``); what still
    fails comes back as ``ratelimited`` for the next run to retry. A lost answer is never
    retried here: it comes back as ``no_answer`` or ``internal_error`` (``MAYBE_DONE``), and
    the delivery row records that the message may have gone.

    The body is what ``chat_postMessage`` would send; ``api_call`` skips its per-block type
    checks (six ``isinstance`` on ABCs per block: an eighth of a digest post's client CPU).
    """
    pacer.wait(channel)
    message = {
        "channel": channel,
        "text": text,
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    try:
        client.api_call("chat.postMessage", json=message)
    except (SlackApiError, OSError) as exc:
        return error_code(exc)
    return None


def user_zone(
    services: Services, client: WebClient, team_id: str, user_id: str
) -> tuple[str | None, bool]:
    """The person's IANA zone from ``users.info`` (None when unknown) and whether they left."""

    def fetch(uid: str) -> dict[str, Any]:
        return client.users_info(user=uid)["user"]

    try:
        user = services.users.get(team_id, user_id, fetch)
    except (SlackApiError, OSError) as exc:
        log.info("users.info failed for a digest reader (team=%s): %s", team_id, error_code(exc))
        return None, False
    return user.get("tz") or None, bool(user.get("deleted"))


def posted(send: Callable[..., Any], **message: Any) -> Any | None:
    """Send; Slack's response, or None (instead of an error) where Slack says the bot cannot
    post there."""
    try:
        response = send(**message)
    except SlackApiError as error:
        if error.response.get("error") not in UNPOSTABLE:
            raise
        log.info(
            "cannot post in %s (%s); falling back to a DM",
            message.get("channel"),
            error.response.get("error"),
        )
        return None
    return response


# Our clock and Slack's message timestamps may disagree a little: read from a bit earlier.
CLOCK_SKEW = 300.0


def already_posted(
    client: WebClient, channel: str, is_user: bool, block_id: str, since: datetime
) -> bool | None:
    """Whether a message carrying ``block_id`` is in the conversation since ``since`` (a
    user's: their DM with the bot): True, False, or None when Slack could not be read."""
    try:
        if is_user:
            channel = str(client.conversations_open(users=channel)["channel"]["id"])
        moment = since if since.tzinfo else since.replace(tzinfo=UTC)
        oldest = f"{max(moment.timestamp() - CLOCK_SKEW, 0):.6f}"
        cursor = None
        while True:
            page = client.conversations_history(
                channel=channel, oldest=oldest, limit=200, cursor=cursor
            )
            for message in page.get("messages") or []:
                if any(b.get("block_id") == block_id for b in message.get("blocks") or []):
                    return True
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
    except (SlackApiError, OSError) as exc:
        log.warning("could not look for an earlier post in %s: %s", channel, error_code(exc))
        return None
