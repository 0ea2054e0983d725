"""The dialect-specific pieces: ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite,
and many rows in one statement on PostgreSQL (``insert_rows_ignoring``, ``recordset``)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Result, Table, bindparam, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import TableValuedAlias


def insert_for(session: Session) -> Any:
    """``insert`` of the session's dialect, the one that has ``on_conflict_do_nothing``."""
    return postgresql.insert if on_postgresql(session) else sqlite.insert


def insert_ignoring(
    session: Session, table: Table, keys: tuple[str, ...], returning: tuple[Column[Any], ...] = ()
) -> Any:
    """``INSERT INTO table … ON CONFLICT (keys) DO NOTHING [RETURNING …]``, built once per
    dialect and shape (for a batch of a few rows, building it costs more than running it)."""
    return _insert_ignoring(insert_for(session), table, keys, returning)


@functools.cache
def _insert_ignoring(
    insert: Any, table: Table, keys: tuple[str, ...], returning: tuple[Column[Any], ...]
) -> Any:
    statement = insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return statement.returning(*returning) if returning else statement


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def recordset(table: Table, names: tuple[str, ...], alias: str) -> TableValuedAlias:
    """PostgreSQL's ``json_to_recordset(:rows) AS alias(name type, …)``, typed as ``table``'s
    columns: many rows as one parameter (``rows_json``). psycopg's executemany spends tens of
    µs of Python per row and SQLAlchemy's multi-row VALUES about as much; this, a JSON dump."""
    columns = [column(name, table.c[name].type) for name in names]
    return (
        func.json_to_recordset(bindparam("rows"))
        .table_valued(*columns)
        .render_derived(alias, with_types=True)
    )


def rows_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """The ``rows`` parameter of a ``recordset``; datetimes must be aware (as the columns')."""
    return json.dumps(rows, default=_aware_iso)


def _aware_iso(value: object) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"{type(value).__name__} in a recordset row")
    if value.tzinfo is None:
        raise ValueError("naive datetime; pass an aware one")
    return value.isoformat()


def insert_rows_ignoring(
    session: Session,
    table: Table,
    keys: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
    returning: tuple[Column[Any], ...] = (),
) -> Result[Any]:
    """``insert_ignoring`` for ``rows`` (all with the same keys, in the order given): on
    PostgreSQL one statement over a ``recordset``, elsewhere an executemany."""
    if not on_postgresql(session):
        return session.execute(insert_ignoring(session, table, keys, returning), list(rows))
    statement = _insert_recordset(table, tuple(rows[0]), keys, returning)
    return session.execute(statement, {"rows": rows_json(rows)})


@functools.cache
def _insert_recordset(
    table: Table, names: tuple[str, ...], keys: tuple[str, ...], returning: tuple[Column[Any], ...]
) -> Any:
    rows = recordset(table, names, "row")
    statement = (
        postgresql.insert(table)
        .from_select(list(names), select(*rows.c))
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    return statement.returning(*returning) if returning else statement
