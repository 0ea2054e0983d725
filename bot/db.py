"""The database engine and the unit of work shared by listeners, jobs and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:  # alembic is imported only when migrating
    from alembic.config import Config

log = logging.getLogger(__name__)

SessionFactory = sessionmaker[Session]


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
            session.connection(execution_options={_IMMEDIATE: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def database_answers(engine: Engine) -> bool:
    """True when a trivial query succeeds (the health check)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check: database unavailable: %s", type(exc).__name__)
        return False


def upgrade_to_head(url: str) -> None:
    """``alembic upgrade head`` for this URL (used at start-up for SQLite and by ``migrate``)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    root = Path(__file__).resolve().parent.parent
    config = Config()
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (``Session.execute`` types its result loosely)."""
    return cast(CursorResult[Any], result).rowcount
