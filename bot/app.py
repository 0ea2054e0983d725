"""The Slack app factory: a Bolt ``App`` wired to our services and listeners."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

from slack_bolt import App, BoltRequest
from slack_bolt.listener import Listener
from slack_bolt.logger import get_bolt_app_logger
from slack_bolt.middleware import Middleware
from slack_bolt.middleware.assistant import Assistant
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import payload_utils
from slack_bolt.request.payload_utils import is_event
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


# What Bolt's keyword injection reads from the body on every matcher call (slack_bolt 1.30,
# ``kwargs_injection/utils.py``); on a malformed body one raises, in the first matcher.
_PAYLOAD_PARTS = (
    payload_utils.to_options,
    payload_utils.to_shortcut,
    payload_utils.to_action,
    payload_utils.to_view,
    payload_utils.to_command,
    payload_utils.to_event,
    payload_utils.to_message,
    payload_utils.to_step,
)


def match_keys(body: dict[str, Any]) -> frozenset[str] | None:
    """What Bolt's builtin matchers (slack_bolt 1.30, ``listener_matcher/builtins.py``) compare a
    plain-string key with, for this body: the command, an event's type, the first action's
    ``action_id``, a suggestion's ``action_id``, a callback_id (shortcuts, attachment actions,
    dialogs) and a submitted or closed view's ``callback_id``.

    Each is read only where Bolt reads it, the way Bolt reads it. None when a read raises: then
    every listener's matchers run, and the request meets the error it met in Bolt.
    """
    keys: list[object] = []
    try:
        kind = body.get("type")
        if "command" in body:
            keys.append(body["command"])
        if "callback_id" in body:
            keys.append(body["callback_id"])
        if "action_id" in body:
            keys.append(body["action_id"])
        if kind == "block_actions" and "actions" in body:
            keys.append(body["actions"][0]["action_id"])
        viewed = kind in ("view_submission", "view_closed") and "view" in body
        if viewed and "callback_id" in body["view"]:
            keys.append(body["view"]["callback_id"])
        if is_event(body):
            keys.append(body["event"]["type"])
    except Exception:  # noqa: BLE001 - Bolt's matchers raise it again, in Bolt's own dispatch
        return None
    # A key of another type never equals a listener's string (Bolt compares with ==).
    return frozenset(k for k in keys if isinstance(k, str))


def bolt_reads(body: dict[str, Any]) -> bool:
    """Whether Bolt can build a matcher's keyword arguments for this body (``_PAYLOAD_PARTS``).
    When it cannot, Bolt's first listener raises, whichever it is."""
    try:
        for part in _PAYLOAD_PARTS:
            part(body)
    except Exception:  # noqa: BLE001 - raised again in Bolt's dispatch
        return False
    return True


class ListenerIndex(list[Listener]):
    """Bolt's listener list (``App._listeners``), which during a dispatch yields only the
    listeners whose primary matcher can accept the request.

    Bolt's ``App.dispatch`` runs every listener's matchers in registration order until one
    matches, and each matcher call builds Bolt's whole keyword-argument dict: the 46th listener
    cost 46 such calls per request. A listener registered under a plain string (command name,
    action_id, callback_id, event type) can match only a request carrying that string where
    Bolt reads it (:func:`match_keys`), so the others are left out; listeners registered under
    a pattern or a dict of constraints, or by any other method, are always kept. Order is kept,
    so the first match still wins, and the kept listeners run Bolt's own matchers, middleware,
    acks and lazy functions: Bolt's dispatch loop is untouched, only what it iterates differs.
    Outside a dispatch (``FairApp.serving``), and for a request :func:`match_keys` cannot read,
    iteration yields every listener.
    """

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[int, str] = {}  # id(listener) -> the string it was registered under
        self._serving = threading.local()
        self._built_for = -1
        self._by_key: dict[str, tuple[Listener, ...]] = {}
        self._always: tuple[Listener, ...] = ()

    def key_new(self, since: int, key: object) -> None:
        """Note that the listeners added from position ``since`` on were registered under
        ``key`` (a pattern or dict is not noted: those listeners are candidates for all)."""
        if isinstance(key, str):
            for listener in self[since:]:
                self._keys[id(listener)] = key

    def __iter__(self) -> Iterator[Listener]:
        req: BoltRequest | None = getattr(self._serving, "request", None)
        if req is None:
            return super().__iter__()
        return iter(self.candidates(req.body))

    def candidates(self, body: dict[str, Any]) -> tuple[Listener, ...] | list[Listener]:
        """The listeners whose matchers may accept ``body``, in registration order.

        A body Bolt's keyword injection cannot read makes the first matcher called raise: the
        first candidate's as Bolt's first listener's, the same error. Only with no candidate is
        that checked, and then every listener is kept so that Bolt raises it.
        """
        keys = match_keys(body)
        if keys is None:
            return list(super().__iter__())
        if self._built_for != len(self):
            self._build()
        found: tuple[Listener, ...] | list[Listener]
        if len(keys) == 1:
            found = self._by_key.get(next(iter(keys)), self._always)
        else:
            wanted = set(map(id, self._always))
            for key in keys:
                wanted.update(map(id, self._by_key.get(key, ())))
            found = [listener for listener in super().__iter__() if id(listener) in wanted]
        if not found and not bolt_reads(body):
            return list(super().__iter__())
        return found

    def _build(self) -> None:
        everyone = list(super().__iter__())
        keys = {self._keys[id(x)] for x in everyone if id(x) in self._keys}
        self._always = tuple(x for x in everyone if id(x) not in self._keys)
        # A key's listeners and the unkeyed ones (``get``'s default), in registration order.
        self._by_key = {
            key: tuple(x for x in everyone if self._keys.get(id(x), key) == key) for key in keys
        }
        self._built_for = len(everyone)

    def serving(self, req: BoltRequest | None) -> BoltRequest | None:
        """Iterate for ``req`` in this thread from now on (None: every listener); returns the
        request served before, to be restored."""
        before: BoltRequest | None = getattr(self._serving, "request", None)
        self._serving.request = req
        return before


class EventsOnly(Middleware):
    """Bolt's ``Assistant`` middleware, run only on Events API requests.

    Every one of its listeners' matchers, and its check for other message subtypes, first asks
    ``is_event(body)``; on a command, click or submission they all answer no, after building
    Bolt's keyword arguments three times (slack_bolt 1.30). This asks once, as they would.
    """

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:  # noqa: A002 - Bolt's keyword
        if not is_event(req.body):
            return next()
        return self._assistant.process(req=req, resp=resp, next=next)

    @property
    def name(self) -> str:
        return self._assistant.name


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
        index = ListenerIndex()
        index.extend(self._listeners)
        self._listeners: ListenerIndex = index

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        before = self._listeners.serving(req)
        try:
            team_id = req.context.team_id
            if not team_id:
                return super().dispatch(req)
            with self._fair_pool.share(team_id) as granted:
                req.context[OVER_SHARE] = not granted
                return super().dispatch(req)
        finally:
            self._listeners.serving(before)

    def _keyed(self, key: object, register: Callable[..., Any]) -> Callable[..., Any]:
        """Bolt's registration decorator, noting the key of the listener it adds."""

        def keyed(*args: Any, **kwargs: Any) -> Any:
            since = len(self._listeners)
            registered = register(*args, **kwargs)
            self._listeners.key_new(since, key)
            return registered

        return keyed

    # The registration methods whose first argument is what their primary matcher compares
    # (match_keys); the others (message, function, ...) add listeners kept for every request.
    def command(self, command: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._keyed(command, super().command(command, *args, **kwargs))

    def action(self, constraints: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._keyed(constraints, super().action(constraints, *args, **kwargs))

    def view(self, constraints: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._keyed(constraints, super().view(constraints, *args, **kwargs))

    def shortcut(self, constraints: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._keyed(constraints, super().shortcut(constraints, *args, **kwargs))

    def options(self, constraints: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._keyed(constraints, super().options(constraints, *args, **kwargs))

    def event(self, event: Any, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return self._keyed(event, super().event(event, *args, **kwargs))

    def assistant(self, assistant: Assistant) -> Callable[..., Any] | None:
        """Bolt's Assistant middleware, skipped on requests that are not events
        (:class:`EventsOnly`)."""
        return self.middleware(EventsOnly(assistant))

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
