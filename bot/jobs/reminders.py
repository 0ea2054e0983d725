"""The review-reminder job: claim each due reminder, then DM its owner (at most once).

Runs in the scheduler, outside any Slack request, with a client per team (``team_client``).
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.db import session_scope
from bot.decisions.reminders import DueReminder, claim, due_reminders, mark_sent
from bot.errors import MAYBE_DONE
from bot.messaging.client import error_code, team_client
from bot.services import Services
from bot.views.decisions import reminder_blocks, reminder_text
from bot.vocabulary import DeliveryState

log = logging.getLogger(__name__)


def deliver(client: WebClient, reminder: DueReminder) -> None:
    channel = client.conversations_open(users=reminder.owner_id)["channel"]["id"]
    client.chat_postMessage(
        channel=channel,
        text=reminder_text(reminder, reminder.language),
        blocks=reminder_blocks(reminder, reminder.language),
    )


def send_review_reminders(services: Services) -> int:
    """One pass: every due, unclaimed reminder is claimed (committed) and only then sent."""
    with session_scope(services.sessions) as session:
        due = due_reminders(session, services.clock())
    sent = 0
    clients: dict[str, WebClient | None] = {}
    for reminder in due:
        with session_scope(services.sessions, write=True) as session:
            if not claim(session, reminder, services.clock()):
                continue
        if reminder.team_id not in clients:
            clients[reminder.team_id] = team_client(services, reminder.team_id)
        client = clients[reminder.team_id]
        error = None if client is not None else "no_bot_token"
        if client is not None:
            try:
                deliver(client, reminder)
            except (SlackApiError, OSError) as exc:
                # Never sent again (the claim stands): a lost answer is recorded as such.
                error = error_code(exc)
                error = DeliveryState.MAYBE_SENT if error in MAYBE_DONE else error
                log.warning(
                    "review reminder for decision %s not sent: %s", reminder.decision_id, error
                )
        with session_scope(services.sessions, write=True) as session:
            mark_sent(session, reminder, services.clock(), error)
        sent += error is None
    return sent
