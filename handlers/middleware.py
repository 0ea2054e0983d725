"""Global middleware: hand listeners our services, drop Slack's event retries, know the team."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.db import session_scope
from bot.i18n import DEFAULT_LANGUAGE
from bot.models import ProcessedEvent, TeamSettings
from bot.services import Services
from bot.workspaces import ensure_workspace

log = logging.getLogger(__name__)

# A settings row exists only for an existing workspace (foreign key, cascade), so finding it is
# finding both. One indexed read: the ORM load of the workspace plus the lazy load of its
# settings cost a quarter of the app's CPU per request (bench/bench_ack.py, py-spy). It also
# gives the team's language, which listeners then read from the context, not the database.
_SETTINGS_ROW = select(TeamSettings.language)
ATTEMPTS = 3


def ensure_known_workspace(services: Services, team_id: str, enterprise_id: str | None) -> str:
    """Create the workspace and its settings the first time a team is heard from; its language.

    Idempotent, so tried again on an OperationalError: a dropped PostgreSQL connection is worth
    a second try on a fresh one.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _workspace_language(services, team_id, enterprise_id) or DEFAULT_LANGUAGE
        except OperationalError as exc:
            if attempt == ATTEMPTS:
                raise
            log.info(
                "workspace check for %s failed (%s); trying again", team_id, type(exc.orig).__name__
            )
            time.sleep(0.02 * attempt)


def _workspace_language(services: Services, team_id: str, enterprise_id: str | None) -> str | None:
    # A read, as on almost every request; only a new team's rows are written, in a unit that
    # writes from its start (SQLite: the first requests of a new team arriving together would
    # otherwise fail with "database is locked"; tests/test_abuse_http.py).
    with session_scope(services.sessions) as session:
        language = session.scalar(_SETTINGS_ROW.where(TeamSettings.team_id == team_id))
    if language is None:
        with session_scope(services.sessions, write=True) as session:
            workspace = ensure_workspace(session, team_id, enterprise_id=enterprise_id)
            session.flush()
            language = workspace.settings.language  # type: ignore[union-attr]
    return language


def register(app: App, services: Services) -> None:
    def attach(
        context: BoltContext,
        body: dict[str, Any],
        request: BoltRequest,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse | None:  # noqa: A002
        context["services"] = services
        # One indexed read per team every few seconds (services.teams): a purge in another
        # process is seen within that time, one in this process at once (it forgets the team).
        if context.team_id:
            team_id, enterprise_id = context.team_id, context.enterprise_id
            context["team_language"] = services.teams.get(
                team_id,
                "language",
                lambda _: ensure_known_workspace(services, team_id, enterprise_id),
            )
        return next()

    def once_per_event(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:  # noqa: A002
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return next()
        try:
            with session_scope(services.sessions, write=True) as session:
                session.add(
                    ProcessedEvent(event_id=str(event_id)[:64], team_id=body.get("team_id"))
                )
        except IntegrityError:
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            log.info(
                "event %s already processed (retry %s); acknowledged, not run again",
                event_id,
                retry,
            )
            return BoltResponse(status=200, body="")
        return next()

    app.use(attach)
    app.use(once_per_event)
