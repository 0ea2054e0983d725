"""Global middleware: hand listeners our services and the team's language, drop Slack's event
retries, know the team."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot.db import session_scope
from bot.events import claim, event_id_of
from bot.i18n import DEFAULT_LANGUAGE
from bot.services import Services
from bot.workspaces import ensure_known_workspace

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    def attach(
        context: BoltContext,
        body: dict[str, Any],
        request: BoltRequest,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:  # noqa: A002
        # Listeners declare ``services`` and ``lang`` as parameters: Bolt passes context values.
        context["services"] = services
        # English until the team's language is read (the error handler needs a language even
        # when the database is down).
        context["lang"] = DEFAULT_LANGUAGE
        # One indexed read per team every few seconds (services.teams): a purge in another
        # process is seen within that time, one in this process at once (it forgets the team).
        if context.team_id:
            team_id, enterprise_id = context.team_id, context.enterprise_id
            context["lang"] = services.teams.get(
                team_id,
                "language",
                lambda _: ensure_known_workspace(services.sessions, team_id, enterprise_id),
            )
        return next()

    def once_per_event(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:  # noqa: A002
        """Acknowledge, without running again, an event that is done or being handled
        (``bot.events``); the listener marks it done (``handlers.context.handled_once``)."""
        event_id = event_id_of(body)
        if not event_id:
            return next()
        with session_scope(services.sessions, write=True) as session:
            mine = claim(session, event_id, body.get("team_id"), services.clock())
        if not mine:
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            log.info(
                "event %s done or being handled (retry %s); acknowledged, not run again",
                event_id,
                retry,
            )
            return BoltResponse(status=200, body="")
        return next()

    app.use(attach)
    app.use(once_per_event)
