"""The Slack app factory: a Bolt ``App`` wired to our services and listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from slack_bolt import App, BoltRequest
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot import after_ack
from bot.after_ack import OVER_SHARE, ListenerPool
from bot.config import Settings
from bot.db import session_scope
from bot.messaging.client import make_web_client
from bot.services import Services
from bot.tokens import installation_store
from bot.workspaces import record_install

log = logging.getLogger(__name__)

# What adds the listeners to the app: ``handlers.register``, passed in by the entry point
# (``bot.cli``) and the tests, so that ``bot`` never imports ``handlers``.
Register = Callable[[App, Services], None]

# Bolt's listener pool (``services.listeners``): each workspace holds a bounded share of it.
LISTENER_THREADS = after_ack.LISTENER_THREADS

# The bot scopes the app uses, no more (manifest.json lists the same).
BOT_SCOPES = [
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:read",
    "groups:read",
    "files:write",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    "assistant:write",
    "im:history",
]


class FairApp(App):
    """Bolt's app, where each workspace holds at most its share of the listener threads.

    Bolt's middleware cannot wrap a listener (``next()`` only marks the chain as continued), so
    the share is taken here, around the whole dispatch, and handed over with the listener to
    ``services.listeners`` (``bot.after_ack.ListenerPool``). A request past its workspace's
    share carries ``over_share`` in its context, and the middleware answers it once its
    signature has been checked (``handlers.middleware``).
    """

    def __init__(self, *, listeners: ListenerPool, **options: Any) -> None:
        super().__init__(listener_executor=listeners, **options)
        self._fair_pool = listeners

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        team_id = req.context.team_id
        if not team_id:
            return super().dispatch(req)
        with self._fair_pool.share(team_id) as granted:
            req.context[OVER_SHARE] = not granted
            return super().dispatch(req)


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    register: Register,
    client: WebClient | None = None,
    process_before_response: bool = False,
    token_verification_enabled: bool = True,
) -> App:
    """Build the app and let ``register`` add the listeners.

    ``process_before_response=True`` makes listener effects deterministic (tests).
    """
    services = services or Services.from_settings(settings)
    oauth_settings = None
    if settings.oauth_enabled:
        services.installation_store = installation_store(settings, services.engine)
        oauth_settings = OAuthSettings(
            client_id=settings.SLACK_CLIENT_ID,
            client_secret=settings.SLACK_CLIENT_SECRET,
            scopes=BOT_SCOPES,
            installation_store=services.installation_store,
            state_store=SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=services.engine),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
            callback_options=CallbackOptions(
                success=_on_installed(services), failure=_on_install_failed
            ),
        )
        client = client or make_web_client(settings)
    else:
        client = client or make_web_client(settings, token=settings.SLACK_BOT_TOKEN)
    app = FairApp(
        # Socket Mode requests carry no signature; HTTP mode refuses to start without a secret.
        signing_secret=settings.SLACK_SIGNING_SECRET or "unused-in-socket-mode",
        client=client,
        oauth_settings=oauth_settings,
        process_before_response=process_before_response,
        token_verification_enabled=token_verification_enabled and not settings.oauth_enabled,
        logger=logging.getLogger("slack_bolt"),
        listeners=services.listeners,
    )
    register(app, services)
    # Built now, not on the first ``ask``: importing openai took that ask's listener 4 s on a
    # loaded 2-core machine, before its ack (tests/test_assessment_slack_http.py).
    services.llm()
    return app


def _on_installed(services: Services) -> Callable[[SuccessArgs], BoltResponse]:
    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        tz = None
        try:
            client = make_web_client(services.settings, token=installation.bot_token)
            tz = client.users_info(user=installation.user_id)["user"].get("tz")
        except Exception as exc:  # noqa: BLE001 - the time zone is a nicety; install anyway
            log.warning("install: could not read installer's time zone: %s", type(exc).__name__)
        with session_scope(services.sessions, write=True) as session:
            # A workspace install always names its team (org-wide installs are not offered).
            record_install(
                session,
                team_id=cast(str, installation.team_id),
                user_id=installation.user_id,
                now=services.clock(),
                installer_tz=tz,
                name=installation.team_name,
                enterprise_id=installation.enterprise_id,
                bot_user_id=installation.bot_user_id,
            )
        log.info("installed team=%s by user=%s", installation.team_id, installation.user_id)
        return args.default.success(args)

    return success


def _on_install_failed(args: FailureArgs) -> BoltResponse:
    log.warning("install failed: %s", args.reason)
    return args.default.failure(args)
