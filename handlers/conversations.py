"""Reading a conversation for a listener: a thread's messages and a message's permalink.

Both are best effort: where the bot may not read (a private channel it is not in, a DM), the
listener carries on with the one message Slack sent it, and says nothing of the thread.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.decisions.threads import ThreadMessage

log = logging.getLogger(__name__)

THREAD_PAGE = 100  # one page of conversations.replies: the bound on what is read of a thread


def read_thread(client: WebClient, channel: str, thread_ts: str) -> list[ThreadMessage]:
    """The thread's first ``THREAD_PAGE`` messages (its parent first); [] if it cannot be read."""
    try:
        response = client.conversations_replies(channel=channel, ts=thread_ts, limit=THREAD_PAGE)
    except (SlackApiError, OSError) as error:
        code = error.response.get("error") if isinstance(error, SlackApiError) else error
        log.info("thread %s in %s not read: %s", thread_ts, channel, code)
        return []
    return [ThreadMessage.of(m) for m in response.get("messages") or [] if isinstance(m, dict)]


def permalink(client: WebClient, channel: str, ts: str) -> str | None:
    """The message's permalink, or None where Slack will not give one."""
    try:
        response = client.chat_getPermalink(channel=channel, message_ts=ts)
    except (SlackApiError, OSError) as error:
        code = error.response.get("error") if isinstance(error, SlackApiError) else error
        log.info("no permalink for %s in %s: %s", ts, channel, code)
        return None
    link = response.get("permalink")
    return str(link) if link else None
