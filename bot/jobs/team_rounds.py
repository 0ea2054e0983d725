"""Team rounds on Slack: invitations, the starter's status, nudges, the halfway reminder and
the close, shared by the listeners and the scheduler job.

The scheduler job is a poll of the database (rounds past halfway, rounds past their deadline,
results Slack refused), so a worker that was down at a deadline closes the round as soon as it
is back. Each reminder, each close and each retry of a result is claimed (committed) before
anything is sent: never twice. A result Slack refused (an error code, a refused connection) is
posted again later with a doubling wait. One whose answer was lost, or whose worker died
mid-post, may be in Slack already: the next try reads the channel (then the starter's DM)
first and posts only when it is not there; writes are never retried blindly.
Logs carry ids and counts, never answers, never who answered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.assessment.rounds import (
    MAX_PEOPLE,
    POSTED,
    RETRY,
    RoundInfo,
    RoundResult,
    claim_close,
    claim_post,
    claim_reminder,
    due_closes,
    due_posts,
    due_reminders,
    load_round,
    set_result,
    set_status_message,
    store_result,
    stored_result,
)
from bot.db import session_scope
from bot.errors import MAYBE_DONE
from bot.i18n import t
from bot.messaging.client import error_code, team_client
from bot.messaging.post import UNPOSTABLE, posted
from bot.services import Services
from bot.views import ids
from bot.views.assessment import ResultCard
from bot.views.team import empty_result, invitation, round_result, status

log = logging.getLogger(__name__)
PAGE_SIZE = 200
CLOCK_SKEW = 300.0  # seconds: our clock against Slack's, when reading back from the close


def humans(client: WebClient, users: Iterable[str]) -> tuple[list[str], set[str]]:
    """``users`` without bots, deactivated accounts and duplicates, in order (``users.list``
    once, paginated, rather than one ``users.info`` per person: 200 people, one call)."""
    not_people: set[str] = set()
    cursor = None
    while True:
        page = client.users_list(limit=1000, cursor=cursor)
        for user in page.get("members") or []:
            if user.get("is_bot") or user.get("deleted") or user.get("id") == "USLACKBOT":
                not_people.add(str(user.get("id")))
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    kept = [u for u in dict.fromkeys(users) if u not in not_people]
    return kept, not_people


def channel_members(client: WebClient, channel: str, limit: int) -> list[str]:
    """Up to ``limit`` + 1 member ids of ``channel`` (one more says "there are more")."""
    found: list[str] = []
    cursor = None
    while len(found) <= limit:
        page = client.conversations_members(channel=channel, limit=PAGE_SIZE, cursor=cursor)
        found += [str(u) for u in page.get("members") or []]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return found


def resolve_people(
    client: WebClient, picked: Iterable[str], channel: str | None
) -> tuple[list[str], bool]:
    """The people to invite (picked first, then the channel's), at most :data:`MAX_PEOPLE`;
    True when some had to be left out."""
    candidates = list(picked)
    if channel:
        # Bots in the channel do not count toward the cap: fetch a little more than needed.
        candidates += channel_members(client, channel, MAX_PEOPLE * 2)
    people, _ = humans(client, candidates)
    return people[:MAX_PEOPLE], len(people) > MAX_PEOPLE


def _dm(client: WebClient, user: str, message: dict) -> bool:
    try:
        client.chat_postMessage(channel=user, **message)
    except SlackApiError as error:
        log.warning("team round DM not sent: %s", error.response.get("error"))
        return False
    return True


def invite(services: Services, client: WebClient, info: RoundInfo, notice: str | None) -> None:
    """Give the starter the status message (and keep where it is), then DM every invitee."""
    reply = client.chat_postMessage(channel=info.starter_id, **status(info, info.lang, notice))
    with session_scope(services.sessions, write=True) as session:
        set_status_message(session, info.team_id, info.id, reply["channel"], reply["ts"])
    info = replace(info, status_channel=reply["channel"], status_ts=reply["ts"])
    sent = sum(_dm(client, user, invitation(info, info.lang)) for user in info.members)
    log.info(
        "team round %s team=%s invited=%d sent=%d", info.id, info.team_id, len(info.members), sent
    )


def refresh_status(client: WebClient, info: RoundInfo, notice: str | None = None) -> None:
    """Bring the starter's status message up to date (who answered; open or closed)."""
    if not (info.status_channel and info.status_ts):
        return
    try:
        client.chat_update(
            channel=info.status_channel, ts=info.status_ts, **status(info, info.lang, notice)
        )
    except SlackApiError as error:
        log.warning("team round %s status not updated: %s", info.id, error.response.get("error"))


def nudge(client: WebClient, info: RoundInfo, key: str = "team.slack.nudged") -> int:
    """One DM to each person who has not answered yet; returns how many were sent."""
    sent = sum(_dm(client, user, invitation(info, info.lang, key=key)) for user in info.pending)
    log.info("team round %s team=%s %s sent=%d", info.id, info.team_id, key, sent)
    return sent


def close_round(
    services: Services, client: WebClient, team_id: str, round_id: int, by: str | None
) -> bool:
    """Close (once), pool and store, post the result where the round started; False when
    the round was already closed."""
    now = services.clock()
    with session_scope(services.sessions, write=True) as session:
        if not claim_close(session, team_id, round_id, now, by):
            return False
        result = store_result(session, team_id, round_id)
    log.info(
        "team round %s closed team=%s by=%s answered=%d",
        round_id,
        team_id,
        "deadline" if by is None else "starter",
        len(result.info.answered),
    )
    post_result(services, client, result)
    refresh_status(client, result.info)
    return True


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except (SlackApiError, OSError, KeyError) as exc:
        log.info("no permalink for a team round result: %s", type(exc).__name__)
        return None


def post_result(services: Services, client: WebClient, result: RoundResult) -> str:
    """Post a closed round's result where the round started (to the starter when the bot
    cannot post there) and record how it went; returns the new ``result_state``."""
    info, lang = result.info, result.info.lang
    if result.stored is None:
        message = empty_result(info, lang)
    else:
        message = round_result(ResultCard.of(result.stored), result.stored.result, lang)
    ts = link = error = None
    try:
        sent = posted(client.chat_postMessage, channel=info.channel_id, **message)
        if sent is None:  # the bot cannot post there: the starter gets it
            sent = client.chat_postMessage(channel=info.starter_id, **message)
        ts = str(sent["ts"])
        link = _permalink(client, str(sent["channel"]), ts)
    except (SlackApiError, OSError) as exc:
        error = error_code(exc)
    with session_scope(services.sessions, write=True) as session:
        state = set_result(
            session,
            info.team_id,
            info.id,
            services.clock(),
            ts=ts,
            link=link,
            error=error,
            maybe_done=error in MAYBE_DONE,
        )
    if error is not None:
        log.warning("team round %s result not posted: %s (%s)", info.id, error, state)
    return state


def run_team_rounds(services: Services) -> int:
    """The scheduler job: halfway reminders, then closes of every round past its deadline."""
    now = services.clock()
    with session_scope(services.sessions) as session:
        reminders, closes = due_reminders(session, now), due_closes(session, now)
    clients: dict[str, WebClient | None] = {}

    def client_of(team_id: str) -> WebClient | None:
        if team_id not in clients:
            clients[team_id] = team_client(services, team_id)
        return clients[team_id]

    done = 0
    for team_id, round_id in reminders:
        client = client_of(team_id)
        if client is None:
            continue
        with session_scope(services.sessions, write=True) as session:
            if not claim_reminder(session, team_id, round_id, now):
                continue
            info = load_round(session, team_id, round_id)
        nudge(client, info, key="team.slack.reminder")
        refresh_status(client, info, t("team.slack.reminded", info.lang))
        done += 1
    for team_id, round_id in closes:
        client = client_of(team_id)
        if client is not None:
            done += close_round(services, client, team_id, round_id, by=None)
    with session_scope(services.sessions) as session:
        retries = due_posts(session, now)
    for team_id, round_id in retries:
        client = client_of(team_id)
        if client is None:
            continue
        with session_scope(services.sessions, write=True) as session:
            was = claim_post(session, team_id, round_id, services.clock())
            if was is None:
                continue
            result = stored_result(session, team_id, round_id)
        if was != RETRY and _already_posted(services, client, result.info):
            continue
        done += post_result(services, client, result) == POSTED
    return done


def _is_result(message: dict, round_id: int) -> bool:
    """Whether ``message`` is this round's result (its buttons, or the "nobody answered" block)."""
    for block in message.get("blocks") or []:
        if block.get("block_id") == f"{ids.TEAM_EMPTY_RESULT}.{round_id}":
            return True
        for element in block.get("elements") or []:
            if element.get("action_id") == ids.TEAM_RERUN and element.get("value") == str(round_id):
                return True
    return False


def find_result(client: WebClient, info: RoundInfo) -> tuple[str, str] | None:
    """(channel, ts) of the round's result if Slack has it: the round's channel since the
    close, then the starter's DM (where it goes when the channel refuses the bot)."""
    since = f"{info.closed_at.timestamp() - CLOCK_SKEW:.6f}" if info.closed_at else "0"
    for channel in (info.channel_id, None):
        if channel is None:
            channel = str(client.conversations_open(users=info.starter_id)["channel"]["id"])
        cursor = None
        while True:
            try:
                page = client.conversations_history(
                    channel=channel, oldest=since, limit=200, cursor=cursor
                )
            except SlackApiError as error:
                if error.response.get("error") in UNPOSTABLE:
                    break  # the bot cannot read it: nothing of ours went there
                raise
            for message in page.get("messages") or []:
                if _is_result(message, info.id):
                    return channel, str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
    return None


def _already_posted(services: Services, client: WebClient, info: RoundInfo) -> bool:
    """Read before writing again: True when the result is in Slack (recorded as posted) or
    the read failed (tried again later); False when it is not there and may be posted."""
    try:
        found = find_result(client, info)
    except (SlackApiError, OSError) as exc:
        with session_scope(services.sessions, write=True) as session:
            set_result(
                session, info.team_id, info.id, services.clock(), error=error_code(exc),
                maybe_done=True,
            )  # fmt: skip
        log.warning("team round %s result not checked: %s", info.id, error_code(exc))
        return True
    if found is None:
        return False
    channel, ts = found
    with session_scope(services.sessions, write=True) as session:
        set_result(
            session, info.team_id, info.id, services.clock(), ts=ts,
            link=_permalink(client, channel, ts),
        )  # fmt: skip
    log.info("team round %s result found in Slack; not posted again", info.id)
    return True


__all__ = [
    "MAX_PEOPLE",
    "close_round",
    "invite",
    "nudge",
    "post_result",
    "refresh_status",
    "resolve_people",
]
