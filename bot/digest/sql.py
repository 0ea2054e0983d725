"""The one dialect-specific piece: ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session) -> Any:
    """``insert`` of the session's dialect, the one that has ``on_conflict_do_nothing``."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
