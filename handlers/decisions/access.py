"""What every decision listener needs: ``users.info`` for the checks, and the Home tab."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.db import session_scope
from bot.decisions.overview import home_overview, team_context
from bot.views.home import home_view
from handlers.context import Caller, person_language, user_info

log = logging.getLogger(__name__)


def requester_info(caller: Caller, user_id: str | None = None) -> dict:
    """The clicker's (or ``user_id``'s) ``users.info`` for the admin check, or {} when Slack
    cannot say.

    Owners and creators need no admin check, so a Slack failure must not stop them; anyone
    else is then refused (the check fails closed).
    """
    try:
        return user_info(caller.services, caller.client, caller.team_id, user_id or caller.user_id)
    except SlackApiError as error:
        log.warning(
            "users.info failed for an admin check in team=%s: %s",
            caller.team_id,
            error.response.get("error"),
        )
        return {}


def owner_info(caller: Caller, owner_id: str) -> dict | None:
    """``users.info`` of the chosen owner, None when Slack does not know them."""
    if not owner_id:
        return None
    try:
        return user_info(caller.services, caller.client, caller.team_id, owner_id)
    except SlackApiError as error:
        if error.response.get("error") == "user_not_found":
            return None
        raise


def publish_home(caller: Caller, user_id: str) -> None:
    """``user_id``'s Home; a guest the log is not open to sees no decisions (and so does anyone
    Slack cannot describe right now: ``bot.decisions.readers`` fails closed)."""
    services, client, team_id = caller.services, caller.client, caller.team_id
    viewer = requester_info(caller, user_id)
    with session_scope(services.sessions) as session:
        ctx = team_context(session, team_id, services.clock())
        overview = home_overview(session, team_id, ctx.today, user_id, viewer)
    lang = person_language(services, client, team_id, user_id, ctx.lang)
    client.views_publish(user_id=user_id, view=home_view(lang, overview))


def refresh_homes(caller: Caller, *user_ids: str) -> None:
    """After a change: a stale Home is a nuisance, not a failure, so errors are only logged.

    The change is committed by then: a database that drops its connection now must not make
    the user believe their decision was lost.
    """
    for user_id in dict.fromkeys(u for u in user_ids if u):
        try:
            publish_home(caller, user_id)
        except SlackApiError as error:
            log.warning(
                "home refresh failed for team=%s: %s", caller.team_id, error.response.get("error")
            )
        except SQLAlchemyError as error:
            log.warning(
                "home refresh failed for team=%s: database: %s",
                caller.team_id,
                type(error).__name__,
            )
