"""``python -m bot [web|worker|migrate|assess|ask|digest|purge]``: every process starts here."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, get_settings
from bot.i18n import t

if TYPE_CHECKING:  # imported where used: each command loads only what it needs (memory)
    from bot.llm import LLMClient
    from bot.services import Services
    from bot.web import WSGIApp

log = logging.getLogger("bot")

USAGE = """usage: python -m bot [COMMAND]

  (none)            run everything in one process (Socket Mode with SLACK_APP_TOKEN, else HTTP)
  web               HTTP only (/slack/events, /slack/install, /slack/oauth_redirect, /healthz)
  worker            the scheduler only (feeds, digests, reminders)
  migrate           alembic upgrade head
  reencrypt-tokens  seal every stored token with the first TOKEN_ENCRYPTION_KEYS key (rotation)
  assess …          the assessment in the terminal or as JSON (assess --help)
  ask "QUESTION"    ask the advisor; --format json shows the facts read and passages used
  digest preview …  fetch feeds and print the digest that would be sent
  purge --team T…   delete all of a workspace's data, tokens included (--yes: no prompt)
"""


def _terminal_llm() -> LLMClient | None:
    """The LLM for ``assess`` and ``ask`` in a terminal when one is configured (else the rules)."""
    settings = get_settings()
    if not settings.llm_configured:
        return None
    from bot.llm import client_from_settings  # the openai package is only imported when used

    return client_from_settings(settings)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else ""
    rest = args[1:]
    if command in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    if command in ("assess", "ask"):
        try:
            llm = _terminal_llm()
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        if command == "assess":
            from bot.assess_cli import main as assess_main

            return assess_main(rest, llm=llm)
        from bot.ask_cli import main as ask_main

        return ask_main(rest, llm=llm)
    if command == "digest" and rest[:1] == ["preview"]:
        from bot.news.preview import main as preview_main

        return preview_main(rest[1:])
    if command == "purge":
        from bot.team_config.cli import main as purge_main

        return purge_main(rest)
    runners = {
        "": run_all,
        "web": run_web,
        "worker": run_worker,
        "migrate": run_migrate,
        "reencrypt-tokens": run_reencrypt_tokens,
    }
    if command not in runners:
        print(f"unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
        return 2
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.logs import configure_logging

    configure_logging(settings.LOG_LEVEL)
    try:
        return runners[command](settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


def run_migrate(settings: Settings) -> int:
    from bot.db import upgrade_to_head

    upgrade_to_head(settings.DATABASE_URL)
    log.info("database migrated to head")
    return 0


def run_reencrypt_tokens(settings: Settings) -> int:
    """Seal every stored token with the first key of TOKEN_ENCRYPTION_KEYS (see README)."""
    from bot.db import make_engine
    from bot.tokens import installation_store

    settings.require_token_keys()
    if not settings.oauth_enabled:
        raise ConfigError("SLACK_CLIENT_ID", "is missing")
    engine = make_engine(settings.DATABASE_URL)
    try:
        rows = installation_store(settings, engine).reseal_all()
    finally:
        engine.dispose()
    log.info("tokens re-encrypted with the first key: %d rows", rows)
    return 0


def _migrate_in_child(settings: Settings) -> int:
    """Migrate SQLite in a child process, so gunicorn's master never imports Alembic and the
    models: it only supervises, and those imports doubled its memory (bench/bench_ack.py).
    Returns the child's exit code; on a failure the child has printed the one line."""
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(
        target=_migrate_or_exit, args=(settings,), name="migrate"
    )
    child.start()
    child.join()
    code = child.exitcode or 0
    if code not in (0, 2):  # killed, or died before it could say why
        raise ConfigError("DATABASE_URL", f"could not be migrated (exit code {code})")
    return code


def _migrate_or_exit(settings: Settings) -> None:
    """The child's work: migrate, or print the one line and exit 2 (no traceback)."""
    try:
        run_migrate(settings)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)


def _prepare(settings: Settings) -> Services:
    """Services for a long-running process; SQLite is migrated at start-up."""
    from bot.services import Services

    if settings.DATABASE_URL.startswith("sqlite"):
        run_migrate(settings)
    return Services.from_settings(settings)


def run_web(settings: Settings, with_scheduler: bool = False) -> int:
    settings.require_http()
    if settings.DATABASE_URL.startswith("sqlite") and (code := _migrate_in_child(settings)):
        return code
    if not with_scheduler:
        # The settings are valid: this process becomes gunicorn's master, started afresh
        # (same pid, same environment) so that it never holds pydantic and the settings'
        # modules, 13 MB counted again in every worker's RSS (bench/bench_ack.py); each
        # worker reads the same settings again (``load_web``).
        sys.stdout.flush()
        sys.stderr.flush()
        argv = [sys.executable, "-m", "bot.web_master", str(settings.PORT), settings.LOG_LEVEL]
        os.execv(sys.executable, argv)
    from bot.web import serve

    serve(lambda: load_web(settings, with_scheduler=True), settings.PORT, workers=1)
    return 0


def load_web(settings: Settings | None = None, *, with_scheduler: bool = False) -> WSGIApp:
    """The WSGI app, built in a gunicorn worker after the fork; ``settings`` read from the
    environment when not given (``bot.web_master``)."""
    # Imported here, not above: gunicorn's master only supervises, and the app's imports
    # (Bolt, SQLAlchemy, the views) cost it ~25 MB it never uses (bench/bench_ack.py).
    import handlers
    from bot.app import create_app
    from bot.services import Services
    from bot.web import make_wsgi_app

    settings = settings or get_settings()
    services = Services.from_settings(settings)
    if with_scheduler:
        from bot.scheduler import build_scheduler

        build_scheduler(services, blocking=False).start()
    # make_wsgi_app checks every signature before Bolt parses the request: Bolt need not.
    app = create_app(
        settings, services, register=handlers.register, request_verification_enabled=False
    )
    wsgi = make_wsgi_app(app, services)
    # What was built so far lives as long as the worker: keep it out of the collector's
    # full passes, each ~50 ms on this machine, which made the ack's p99 tail.
    gc.freeze()
    log.info("serving HTTP on port %s", settings.PORT)
    return wsgi


def run_worker(settings: Settings) -> int:
    settings.require_token_keys()
    from bot.scheduler import build_scheduler

    services = _prepare(settings)
    scheduler = build_scheduler(services, blocking=True)

    def stop(*_: object) -> None:
        if scheduler.running:  # a second SIGTERM while stopping is no error (`timeout` sends two)
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("worker started")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    return 0


def run_all(settings: Settings) -> int:
    if not settings.has_slack_credentials:
        print(t("help.no_credentials"), file=sys.stderr)
        return 2
    if not settings.socket_mode:
        return run_web(settings, with_scheduler=True)
    settings.require_socket_mode()
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    import handlers
    from bot.app import create_app
    from bot.scheduler import build_scheduler

    services = _prepare(settings)
    app = create_app(settings, services, register=handlers.register)
    build_scheduler(services, blocking=False).start()
    log.info("connecting to Slack in Socket Mode")
    handler = SocketModeHandler(app, settings.SLACK_APP_TOKEN)
    try:
        handler.start()
    except KeyboardInterrupt:
        handler.close()
    return 0
