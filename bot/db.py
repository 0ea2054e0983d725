"""The database engine and the unit of work shared by listeners, jobs and the CLI."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Result,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.config import ConfigError
from bot.errors import NotFound

if TYPE_CHECKING:  # alembic is imported only when migrating
    from alembic.config import Config

log = logging.getLogger(__name__)

SessionFactory = sessionmaker[Session]


class _TeamOwned(Protocol):
    @property
    def team_id(self) -> str: ...


_Row = TypeVar("_Row", bound=_TeamOwned)


def team_row(session: Session, model: type[_Row], team_id: str, row_id: int) -> _Row:
    """One of a team's rows by id; another team's id is NotFound, not someone else's row."""
    row = session.get(model, row_id)
    if row is None or row.team_id != team_id:
        raise NotFound()
    return row


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine that survives a database restart (pre-ping) and enforces SQLite foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves instead.
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Set by ``session_scope(write=True)``; read when SQLite's transaction begins.
_IMMEDIATE = "bvb_sqlite_begin_immediate"


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_IMMEDIATE)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: SessionFactory, *, write: bool = False) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close.

    ``write``: the unit writes. On SQLite its transaction then takes the write lock as it
    begins (``BEGIN IMMEDIATE``), waiting its turn behind other writers (busy timeout): a
    deferred one that has read fails at once with "database is locked" if another connection
    committed since, as its snapshot is stale (tests/test_concurrent_writes.py). Other
    databases ignore it. Read-only units leave it off, or they would queue as writers do; and
    no unit that writes may call Slack (or anything slow) while open: it would hold the lock.
    """
    session = factory()
    try:
        if write:  # before any statement: the option must be there when the BEGIN is sent
            session.connection(execution_options=write_options(write))
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def write_options(write: bool) -> dict[str, Any]:
    """The execution options of a connection whose transactions write (see ``session_scope``)."""
    return {_IMMEDIATE: True} if write else {}


def database_answers(engine: Engine) -> bool:
    """True when a trivial query succeeds (the health check)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        return False


MIGRATION_FIX = (
    "check that the database answers, that this user may write to it, and that no newer "
    "version of the app has migrated it"
)


def upgrade_to_head(url: str) -> None:
    """``alembic upgrade head`` for this URL (used at start-up for SQLite and by ``migrate``).

    A database that cannot be reached, opened or migrated is an operator's mistake: it becomes
    a ``ConfigError`` naming DATABASE_URL and the cause, never a traceback.
    """
    from alembic import command
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with _migration_lock(url):
            command.upgrade(alembic_config(url), "head")
    except OSError as exc:  # the lock file: the folder is missing or not writable
        folder = Path(str(exc.filename)).parent
        raise ConfigError(
            "DATABASE_URL", f"could not be migrated ({exc.strerror}: {folder})", MIGRATION_FIX
        ) from exc
    except (SQLAlchemyError, CommandError) as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise ConfigError(
            "DATABASE_URL", f"could not be migrated ({cause})", MIGRATION_FIX
        ) from exc


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """One migration at a time per SQLite file, across processes: ``web`` and ``worker`` both
    migrate at start-up, and two at once on a fresh file made one fail ("database is locked",
    or a table created twice; tests/test_startup.py). The lock is a file beside the database.
    PostgreSQL is migrated once, by the release process."""
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


def alembic_config(url: str) -> Config:
    """Alembic's configuration, with the scripts of ``migrations/``: the wheel carries them as
    the package ``bot.migrations`` (pyproject.toml), an editable install maps that name to the
    folder, so the import system finds them from any working directory."""
    from importlib.resources import files

    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("bot.migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (``Session.execute`` types its result loosely)."""
    return cast(CursorResult[Any], result).rowcount
