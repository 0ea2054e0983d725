"""The Slack app factory: a Bolt ``App`` wired to our services and listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from slack_bolt import App, BoltRequest
from slack_bolt.logger import get_bolt_app_logger
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
from bot.messaging.keepalive import KeepAliveWebClient
from bot.services import Services
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

    def _init_context(self, req: BoltRequest) -> None:
        """Bolt's context, with the per-request ``client`` on the process's keep-alive connections.

        Bolt gives every request a new plain ``WebClient``, whose each call opens and closes a
        connection to Slack (a DNS lookup, a TCP handshake, a close): on the ack path that was a
        third of the CPU the modal's ``views.open`` cost (bench/bench_ack.py, py-spy). The
        context Bolt's ``_init_context`` sets (slack_bolt 1.x), with the client built from the
        app's as Bolt builds it: only its HTTP transport differs.
        """
        req.context["logger"] = get_bolt_app_logger(
            app_name=self.name, base_logger=self._base_logger
        )
        req.context["token"] = self._token
        req.context["listener_runner"] = self.listener_runner
        base = self._client
        req.context["client"] = KeepAliveWebClient(
            token=self._token,
            base_url=base.base_url,
            timeout=base.timeout,
            ssl=base.ssl,
            proxy=base.proxy,
            headers=base.headers,
            team_id=req.context.team_id,
            logger=base.logger,
            retry_handlers=base.retry_handlers.copy() if base.retry_handlers is not None else None,
        )


def create_app(
    settings: Settings,
    services: Services | None = None,
    *,
    register: Register,
    client: WebClient | None = None,
    process_before_response: bool = False,
    token_verification_enabled: bool = True,
    request_verification_enabled: bool = True,
) -> App:
    """Build the app and let ``register`` add the listeners.

    ``process_before_response=True`` makes listener effects deterministic (tests).
    ``request_verification_enabled=False`` only behind ``bot.web.make_wsgi_app``, which checks
    every signature before Bolt sees the request (checking it twice cost CPU on every ack).
    """
    services = services or Services.from_settings(settings)
    oauth_settings = None
    if settings.oauth_enabled:
        # Here, not above: bot.tokens loads cryptography (7 MB), which a single-workspace web
        # process (SLACK_BOT_TOKEN, no stored tokens) never uses (bench/bench_ack.py, RSS).
        from bot.tokens import installation_store

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
        request_verification_enabled=request_verification_enabled,
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
