"""Deleting everything the app keeps about one workspace, and saying beforehand what will go.

Every table with a ``team_id`` column is emptied for the team (``bot.models.team_tables``), the
installation tokens included, so a reinstall starts from a blank workspace with default
settings. Shared data (news feeds and their items) is not the team's and stays.
"""

from __future__ import annotations

import logging

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.models import BOTS_TABLE, INSTALLATIONS_TABLE, Base, team_tables

log = logging.getLogger(__name__)


def _tables() -> list[Table]:
    """The team's tables, children before parents so foreign keys never object."""
    names = set(team_tables()) | {INSTALLATIONS_TABLE.name, BOTS_TABLE.name}
    ordered = [t for t in Base.metadata.sorted_tables if t.name in names]
    return list(reversed(ordered))


def team_data_counts(session: Session, team_id: str) -> dict[str, int]:
    """Rows per table the team has, for the tables where it has any."""
    counts: dict[str, int] = {}
    for table in _tables():
        count = session.scalar(
            select(func.count()).select_from(table).where(table.c.team_id == team_id)
        )
        if count:
            counts[table.name] = int(count)
    return counts


def purge_team(session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of ``team_id`` in every team table; returns rows deleted per table.

    Runs in the caller's transaction: commit it to make the purge stick, all or nothing.
    """
    if not team_id:
        raise ValueError("purge_team needs a team id")
    deleted: dict[str, int] = {}
    for table in _tables():
        result = session.execute(delete(table).where(table.c.team_id == team_id))
        if rowcount(result):
            deleted[table.name] = int(rowcount(result))
    session.expunge_all()  # objects loaded before are gone from the database
    log.info("purged team=%s: %d rows from %d tables", team_id, sum(deleted.values()), len(deleted))
    return deleted
