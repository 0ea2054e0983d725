"""What listeners share: who is calling, a subcommand's request, ``users.info``, the admin check.

The middleware (``handlers.middleware``) puts a :class:`Caller` in Bolt's context; a listener
declares a ``caller`` parameter beside Bolt's own (``ack``, ``body``, ``action``...) and Bolt
passes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.admins import app_admin_ids, is_admin
from bot.audit import REFUSED, audit
from bot.commands import SlashCommand
from bot.db import session_scope
from bot.errors import NotAllowed
from bot.events import event_id_of, give_back, mark_done
from bot.i18n import language_of_locale, t
from bot.messaging.client import error_code
from bot.services import Services
from bot.workspaces import personal_language_allowed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """The workspace and person a request comes from, the languages to answer in, and the
    client to answer with: one parameter instead of six on every listener."""

    services: Services
    client: WebClient
    team_id: str
    user_id: str
    lang: str  # the person's: views, ephemeral replies, DMs
    team_lang: str  # the team's: channel posts, rounds, a decision's thread
    enterprise_id: str | None = None


EventHandler = Callable[[dict[str, Any], Caller], None]


def once(services: Services, body: dict[str, Any], work: Callable[[], None]) -> None:
    """Run ``work``; the event is done when it returns, given back to Slack's retry if it
    raises (``bot.events``)."""
    event_id = event_id_of(body)
    try:
        work()
    except BaseException:
        if event_id:
            with session_scope(services.sessions, write=True) as session:
                give_back(session, event_id)
        raise
    if event_id:
        with session_scope(services.sessions, write=True) as session:
            mark_done(session, event_id, services.clock())


def handled_once(handler: EventHandler) -> Callable[..., None]:
    """An event listener that marks its event done when it finishes, or gives the event's claim
    back when it raises, so that Slack's retry runs it again (``bot.events``)."""

    def run(event: dict[str, Any], body: dict[str, Any], caller: Caller) -> None:
        once(caller.services, body, lambda: handler(event, caller))

    run.__name__ = run.__qualname__ = handler.__name__  # Bolt's logs name the listener
    return run


@dataclass
class CommandRequest:
    """Everything a subcommand needs; ``ack`` must be called first, within 3 seconds."""

    cmd: SlashCommand
    ack: Ack
    respond: Respond
    caller: Caller


def user_info(services: Services, client: WebClient, team_id: str, user_id: str) -> dict:
    """``users.info`` for one user, with their locale, cached a few minutes per workspace: the
    admin check and the person's language (``handlers.middleware``) share one call."""
    return services.users.get(
        team_id, user_id, lambda uid: client.users_info(user=uid, include_locale=True)["user"]
    )


def person_language(
    services: Services, client: WebClient | None, team_id: str, user_id: str, team_lang: str
) -> str:
    """The language to speak to ``user_id`` in private (views, ephemeral replies, DMs): their
    Slack locale's when the team's admins allow it, else (or when Slack cannot say) the team's.
    """
    allowed = services.teams.get(
        team_id,
        "personal_language",
        lambda _: personal_language_allowed(services.sessions, team_id),
    )
    if not allowed or client is None:
        return team_lang
    try:  # cached per person (services.users): one users.info every few minutes
        info = user_info(services, client, team_id, user_id)
    except (SlackApiError, OSError) as exc:
        log.info(
            "team=%s user=%s: locale unknown (%s), the team's language",
            team_id,
            user_id,
            error_code(exc),
        )
        return team_lang
    return language_of_locale(info.get("locale")) or team_lang


def require_admin(caller: Caller) -> None:
    """Raise ``NotAllowed`` (naming whom to ask) unless the caller is an admin of their team.

    Called on the server for every admin request: commands, submissions and buttons alike.
    """
    services, team_id, user_id = caller.services, caller.team_id, caller.user_id
    info = user_info(services, caller.client, team_id, user_id)
    with session_scope(services.sessions) as session:
        if is_admin(session, team_id, user_id, info):
            return
        named = app_admin_ids(session, team_id)
    with session_scope(services.sessions, write=True) as session:
        audit(session, team_id, user_id, REFUSED, services.clock())
    log.warning("team=%s user=%s refused an admin's action", team_id, user_id)
    admins = ", ".join(f"<@{uid}>" for uid in named[:5]) or t("errors.any_admin", caller.lang)
    raise NotAllowed(admins=admins)
