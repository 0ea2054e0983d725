"""Global middleware: hand listeners our services, the team's language and the person's, keep
each workspace to its share of the listener threads, drop Slack's event retries, know the team."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.after_ack import OVER_SHARE
from bot.db import session_scope
from bot.events import claim, event_id_of
from bot.i18n import DEFAULT_LANGUAGE, t
from bot.services import Services
from bot.views.help import busy_modal
from bot.workspaces import ensure_known_workspace
from handlers.context import Caller, person_language

log = logging.getLogger(__name__)

Step = Callable[[BoltRequest, Callable[[], BoltResponse]], BoltResponse | None]


class Direct(Middleware):
    """A middleware step called with the request and ``next``, nothing looked up by name.

    A function given to ``app.use`` is called through Bolt's keyword injection, which inspects
    its parameters and builds their values on every request: for our three steps that was a
    tenth of the ack's CPU beyond a bare Bolt app (bench/bench_ack.py, py-spy).
    """

    def __init__(self, step: Step) -> None:
        self._step = step

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:  # noqa: A002 - Bolt's keyword
        return self._step(req, next)

    @property
    def name(self) -> str:
        return f"Direct({self._step.__name__})"


def register(app: App, services: Services) -> None:
    def attach(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        context = request.context
        # Bolt passes context values to the listeners that declare them: ``caller`` (below);
        # ``services`` and ``lang`` for the Assistant's listeners and the error handler.
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
        # Channel posts and digests speak the team's language; ``lang`` (views, ephemeral
        # replies, DMs) the person's own when the admins allow it.
        context["team_lang"] = context["lang"]
        if context.team_id and context.user_id:
            context["lang"] = person_language(
                services, context.client, context.team_id, context.user_id, context["lang"]
            )
        context["caller"] = Caller(
            services=services,
            client=context.client,
            team_id=context.team_id or "",
            user_id=context.user_id or "",
            lang=context["lang"],
            team_lang=context["team_lang"],
            enterprise_id=context.enterprise_id,
        )
        return next()

    def once_per_event(
        request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:  # noqa: A002
        """Acknowledge, without running again, an event that is done or being handled
        (``bot.events``); the listener marks it done (``handlers.context.handled_once``)."""
        body = request.body
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

    def fair_share(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
        """Past its share of the listener threads (``bot.app.FairApp``), a workspace is told it
        is busy at once, so that its flood never queues in front of other workspaces' requests
        (issue 13.4)."""
        context = request.context
        if not context.get(OVER_SHARE):
            return next()
        log.warning("team %s has its share of listener threads busy; turned away", context.team_id)
        return busy(request.body, str(context.get("lang") or DEFAULT_LANGUAGE))

    app.use(Direct(attach))
    app.use(Direct(fair_share))
    app.use(Direct(once_per_event))


def busy(body: dict[str, Any], lang: str) -> BoltResponse:
    """The ack for a request turned away: a sentence for a command, a modal pushed over a
    submitted one (its answers kept), a 503 for an event so that Slack delivers it again."""
    if body.get("command"):
        reply: dict[str, Any] = {"response_type": "ephemeral", "text": t("errors.busy", lang)}
    elif body.get("type") == "view_submission":
        reply = {"response_action": "push", "view": busy_modal(lang)}
    elif body.get("type") == "event_callback":
        return BoltResponse(status=503, body="")
    else:  # a click: Slack shows nothing from its ack, and nothing ran
        return BoltResponse(status=200, body="")
    return BoltResponse(
        status=200, body=json.dumps(reply), headers={"content-type": "application/json"}
    )
