"""The one dialect-specific piece: ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session) -> Any:
    """``insert`` of the session's dialect, the one that has ``on_conflict_do_nothing``."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_ignoring(
    session: Session, table: Table, keys: tuple[str, ...], returning: tuple[Column[Any], ...] = ()
) -> Any:
    """``INSERT INTO table … ON CONFLICT (keys) DO NOTHING [RETURNING …]``, built once per
    dialect and shape (for a batch of a few rows, building it costs more than running it)."""
    return _insert_ignoring(session.get_bind().dialect.name, table, keys, returning)


@functools.cache
def _insert_ignoring(
    dialect: str, table: Table, keys: tuple[str, ...], returning: tuple[Column[Any], ...]
) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return statement.returning(*returning) if returning else statement
