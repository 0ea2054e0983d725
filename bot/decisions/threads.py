"""A decision taken from a Slack conversation: the decide modal's values from a message and its
thread, bounded so that a long thread never makes a long rationale.

Slack's messages come in as plain dicts (``conversations.replies``' ``messages``); this module
reads only their ``user``, ``bot_id``, ``subtype``, ``text`` and ``ts``, and knows nothing else
of Slack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.decisions.rules import TEXT_MAX, TITLE_MAX, DecisionDraft
from bot.i18n import t
from bot.text import truncate_words
from bot.vocabulary import USER_ID

MAX_MESSAGES = 30  # messages of a thread read (the first and the latest ones)
LINE_MAX = 280  # characters of one message in the trimmed summary
SUMMARY_MAX = 1500  # characters of the whole summary, LLM-written or trimmed
MAX_PARTICIPANTS = 20

# Slack's mrkdwn entities: <@U1|name>, <#C1|general>, <!here>, <https://x|label>, <https://x>.
_ENTITY = re.compile(r"<([@#!])?([^>|]+)(?:\|([^>]*))?>")


@dataclass(frozen=True)
class ThreadMessage:
    """One message of a conversation, as much of it as a decision needs."""

    user: str
    text: str
    ts: str
    by_bot: bool = False

    @classmethod
    def of(cls, message: dict[str, Any]) -> ThreadMessage:
        by_bot = bool(message.get("bot_id")) or message.get("subtype") == "bot_message"
        user = str(message.get("user") or "")
        return cls(
            user if USER_ID.fullmatch(user) else "",  # a user id, or nobody
            plain(str(message.get("text") or "")),
            str(message.get("ts") or ""),
            by_bot,
        )


def plain(text: str) -> str:
    """Slack message text as a person reads it: links by their label, mentions as @name."""

    def readable(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"@{label or target}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{(label or target).split('^')[0]}"
        return label or target

    text = _ENTITY.sub(readable, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


_LEADING_MENTIONS = re.compile(r"^(?:@[UW][A-Z0-9]{2,20}[\s,:]*)+")


def without_mentions(text: str) -> str:
    """A (plain) message without the mentions it starts with: ``@U0BOT should we…``."""
    return _LEADING_MENTIONS.sub("", text).strip()


def title_of(text: str) -> str:
    """The (plain) message's first non-empty line, cut on a word to fit a decision's title."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return truncate_words(" ".join(first.split()), TITLE_MAX)


def bounded(messages: Sequence[ThreadMessage]) -> list[ThreadMessage]:
    """At most ``MAX_MESSAGES`` people's messages: the first one and the latest others."""
    people = [m for m in messages if not m.by_bot and m.text]
    if len(people) <= MAX_MESSAGES:
        return people
    return [people[0], *people[-(MAX_MESSAGES - 1) :]]


def trimmed_summary(messages: Sequence[ThreadMessage]) -> str:
    """The thread's messages themselves, one line each, within ``SUMMARY_MAX`` characters."""
    lines: list[str] = []
    used = 0
    for m in bounded(messages):
        line = f"• @{m.user}: {truncate_words(' '.join(m.text.split()), LINE_MAX)}"
        if used + len(line) + 1 > SUMMARY_MAX:
            lines.append("• …")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def transcript(messages: Sequence[ThreadMessage]) -> str:
    """What an LLM is given to summarise: the same bounded lines as the trimmed summary."""
    return trimmed_summary(messages)


def participants(messages: Iterable[ThreadMessage]) -> tuple[str, ...]:
    """The people who wrote in the thread (never bots), in order of first message."""
    seen: list[str] = []
    for m in messages:
        if m.user and not m.by_bot and m.user not in seen:
            seen.append(m.user)
    return tuple(seen[:MAX_PARTICIPANTS])


def rationale(message_text: str, summary: str, lang: str) -> str:
    """The (plain) message, then (in a thread) the summary under a heading; within ``TEXT_MAX``."""
    body = message_text
    if summary:
        body = f"{body}\n\n{t('decisions.thread.summary_heading', lang)}\n{summary}"
    return truncate_words(body, TEXT_MAX) if len(body) > TEXT_MAX else body


def draft_from_message(
    message: ThreadMessage,
    thread: Sequence[ThreadMessage],
    owner_id: str,
    summary: str,
    lang: str,
) -> DecisionDraft:
    """The decide modal pre-filled from a message (and its thread, when it is in one)."""
    people = participants([message, *thread]) if thread else participants([message])
    return DecisionDraft(
        title=title_of(message.text),
        verdict="",
        owner_id=owner_id,
        rationale=rationale(message.text, summary, lang),
        participants=people,
    )
