"""Shared fixtures: databases made by the migrations, and the app wired to the fake Slack API.

Database tests run on SQLite always and on PostgreSQL when TEST_DATABASE_URL is set (.ci/run
sets it). Each test runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

import handlers
from bot.config import Settings, normalize_database_url
from bot.db import make_engine, upgrade_to_head
from tests.support.clock import Clock

if TYPE_CHECKING:
    from tests.support.faults import Database

pytest_plugins = ["tests.fakes.slack_api", "tests.fakes.openai_server"]

# Property tests draw the same examples on every run, so a commit that passed CI passes again;
# HYPOTHESIS_PROFILE=explore draws fresh ones when hunting for a counter-example.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

PG_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL)"),
        ],
    ),
]


def reset_postgres_schema(url: str, schema: str = "public") -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


@contextmanager
def migrated_schema(url: str, schema: str, **params: str) -> Iterator[str]:
    """A PostgreSQL schema of its own, made by the migrations and dropped after; yields the
    URL whose connections use it (with ``params`` added to its query, e.g. application_name).
    For tests and benchmarks that must commit for real beside the shared ``public`` schema."""
    base = normalize_database_url(url)
    reset_postgres_schema(base, schema)
    query = "&".join(
        [*(f"{k}={v}" for k, v in params.items()), f"options=-csearch_path%3D{schema}"]
    )
    scoped = f"{base}{'&' if '?' in base else '?'}{query}"
    try:
        upgrade_to_head(scoped)
        yield scoped
    finally:
        engine = make_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One database per backend, migrated once per run with ``alembic upgrade head``."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"}
    if PG_URL:
        urls["postgresql"] = normalize_database_url(PG_URL)
        reset_postgres_schema(urls["postgresql"])
    for url in urls.values():
        upgrade_to_head(url)
    return urls


@pytest.fixture(scope="session")
def engines(migrated_urls: dict[str, str]) -> Iterator[dict[str, Engine]]:
    made = {name: make_engine(url) for name, url in migrated_urls.items()}
    yield made
    for engine in made.values():
        engine.dispose()


@pytest.fixture(params=DATABASES)
def db_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def connection(engines: dict[str, Engine], db_name: str) -> Iterator[Connection]:
    """A connection in an outer transaction, rolled back after the test."""
    with engines[db_name].connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    """A session factory whose commits become savepoints inside the test's transaction.

    The app's sessions are opened one thread at a time (a post-ack job's beside its listener's):
    they share the test's one connection, and two threads' savepoints interleaved there are
    released in the wrong order ("savepoint does not exist").
    """
    lock = threading.RLock()

    class OneThreadAtATime(Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            lock.acquire()
            self._holds_lock = True
            super().__init__(*args, **kwargs)

        def close(self) -> None:
            try:
                super().close()
            finally:
                if self._holds_lock:
                    self._holds_lock = False
                    lock.release()

    return sessionmaker(
        bind=connection,
        class_=OneThreadAtATime,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """The test's own session, open all along: outside the app's one-thread-at-a-time lock."""
    with Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s


SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-1111-test-token"
TOKEN_KEY = "ZmFrZS1rZXktZm9yLXRlc3RzLW9ubHktMzJieXRlcyE="  # a Fernet key, for tests only


@pytest.fixture
def settings_factory(tmp_path: Path):
    """Settings built from keyword overrides only (never from the developer's environment)."""

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            "TOKEN_ENCRYPTION_KEYS": TOKEN_KEY,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build


SETTING_NAMES = tuple(Settings.model_fields)  # every one, whatever is added later


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own Slack or OpenAI variables never leak into a test."""
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    from bot.config import get_settings

    get_settings.cache_clear()


TEAM = "T0123ABCD"
OTHER_TEAM = "T0999ZZZZ"
USER = "U0123USER"
ADMIN = "U0123ADMN"
CHANNEL = "C0123CHAN"


@pytest.fixture
def slack_settings(settings_factory, slack_api) -> Settings:
    """Settings pointing at the fake Slack API, with one workspace, two people and a channel."""
    slack_api.add_team(TEAM, bot_token=BOT_TOKEN, bot_user_id="U0BOT0001", name="Acme")
    slack_api.add_user(TEAM, USER, name="dana")
    slack_api.add_user(TEAM, ADMIN, name="ada", is_admin=True)
    slack_api.add_channel(TEAM, CHANNEL)
    return settings_factory(SLACK_API_BASE_URL=slack_api.base_url)


@pytest.fixture
def services(
    slack_settings: Settings,
    sessions: sessionmaker[Session],
    engines: dict[str, Engine],
    db_name: str,
):
    from bot.services import Services

    return Services(settings=slack_settings, engine=engines[db_name], sessions=sessions)


@pytest.fixture
def clock_start() -> datetime:
    """Where ``clock`` starts; a module that needs another moment overrides this fixture."""
    from tests.support.decisions import NOW

    return NOW


@pytest.fixture
def clock(services, clock_start: datetime) -> Clock:
    """The app's clock, stopped at ``clock_start`` until the test moves it."""
    services.clock = Clock(clock_start)
    return services.clock


@pytest.fixture
def app(slack_settings: Settings, services):
    """The real app, listeners run before the response so their effects are there to check."""
    from bot.app import create_app

    return create_app(
        slack_settings, services, register=handlers.register, process_before_response=True
    )


@pytest.fixture
def send(app):
    """Dispatch a body to the app, signed as Slack signs it."""
    from tests.slack_requests import dispatch

    def post(body: str, **kwargs: object):
        return dispatch(app, body, secret=SIGNING_SECRET, **kwargs)

    return post


# ------------------------------------------------------- apps that commit for real


@pytest.fixture
def database() -> Iterator[Database]:
    """A migrated PostgreSQL schema of its own; the app's connections are named so only they
    are cut (``Database.drop_app_connections``)."""
    from sqlalchemy.pool import NullPool

    from tests.support.faults import Database

    assert PG_URL
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    schema, name = f"faults_{tag}", f"bvb_faults_{tag}"
    with migrated_schema(PG_URL, schema, application_name=name) as url:
        admin = make_engine(normalize_database_url(PG_URL), poolclass=NullPool)
        try:
            yield Database(url, admin, name, schema)
        finally:
            admin.dispose()


@pytest.fixture
def send_with_llm(settings_factory, slack_api, slack_settings, services, openai_server):  # noqa: ANN001, ANN201
    """``send_with_llm(timeout, **settings)``: a ``send`` to the real app with the fake OpenAI
    answering within ``timeout`` seconds (tests.support.assessment.make_send)."""
    from tests.support.assessment import make_send

    return partial(make_send, settings_factory, slack_api, slack_settings, services, openai_server)


@pytest.fixture(params=DATABASES)
def real_app(request: pytest.FixtureRequest, slack_settings, tmp_path):  # noqa: ANN001, ANN201
    """The app on a database of its own, committing for real (no test transaction to lose)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'faults.db'}"
        upgrade_to_head(url)
    else:
        url = request.getfixturevalue("database").url
    with _app_on(url, slack_settings) as made:
        yield made


@pytest.fixture
def pg_app(database, slack_settings, slack_api):  # noqa: ANN001, ANN201
    """The app on a PostgreSQL schema of its own, committing for real."""
    with _app_on(database.url, slack_settings) as made:
        yield made


@contextmanager
def _app_on(url: str, slack_settings: Settings):  # noqa: ANN202
    from bot.app import create_app
    from bot.db import make_session_factory
    from bot.services import Services

    engine = make_engine(url)
    services = Services(
        settings=slack_settings, engine=engine, sessions=make_session_factory(engine)
    )
    yield (
        create_app(
            slack_settings, services, register=handlers.register, process_before_response=True
        ),
        services,
    )
    engine.dispose()


@pytest.fixture(params=DATABASES)
def oauth_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database the app may commit to: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'oauth.db'}"
        upgrade_to_head(url)
        yield url
    else:
        assert PG_URL is not None
        with migrated_schema(PG_URL, "oauth_tests") as url:
            yield url


@pytest.fixture
def oauth(settings_factory, slack_api, oauth_database: str):
    """(app, services) of a multi-workspace deployment (OAuth), two workspaces ready to install."""
    from bot.app import create_app
    from bot.services import Services
    from tests.support.oauth import (
        CLIENT_ID,
        CLIENT_SECRET,
        KEY_A,
        TEAM_A,
        TEAM_B,
        TOKEN_A,
        TOKEN_B,
    )

    url = oauth_database
    slack_api.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    for team, token, installer in ((TEAM_A, TOKEN_A, "U0AINSTAL"), (TEAM_B, TOKEN_B, "U0BINSTAL")):
        slack_api.add_team(team, bot_token=token, name=team)
        slack_api.add_user(team, installer, tz="America/New_York")
        slack_api.add_channel(team, "C0GENERAL")
        slack_api.add_oauth_code(f"code-{team}", team_id=team, user_id=installer)
    settings = settings_factory(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_API_BASE_URL=slack_api.base_url,
        DATABASE_URL=url,
        TOKEN_ENCRYPTION_KEYS=KEY_A,
    )
    services = Services.from_settings(settings)
    app = create_app(settings, services, register=handlers.register, process_before_response=True)
    yield app, services
    services.engine.dispose()
