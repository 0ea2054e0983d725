"""Workspaces and their settings rows: created on first sight, looked up by team id."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.db import SessionFactory, session_scope
from bot.i18n import DEFAULT_LANGUAGE
from bot.models import AuditEntry, LlmUsage, TeamSettings, Workspace

INSTALLER_ACTION = "admins.installer"
REINSTALL_ACTION = "app.reinstalled"

log = logging.getLogger(__name__)

# A settings row exists only for an existing workspace (foreign key, cascade), so finding it is
# finding both. One indexed read: the ORM load of the workspace plus the lazy load of its
# settings cost a quarter of the app's CPU per request (bench/bench_ack.py, py-spy). It also
# gives the team's language, which listeners then read from the context, not the database.
_SETTINGS_ROW = select(TeamSettings.language)
ATTEMPTS = 3


def ensure_workspace(session: Session, team_id: str, **fields: object) -> Workspace:
    """The team's row, created with default settings the first time we hear from it."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        try:
            with session.begin_nested():
                workspace = Workspace(team_id=team_id, **fields)
                workspace.settings = TeamSettings(team_id=team_id)
                session.add(workspace)
        except IntegrityError:  # another request created it first
            workspace = session.get(Workspace, team_id)
            assert workspace is not None
    elif workspace.settings is None:
        workspace.settings = TeamSettings(team_id=team_id)
    return workspace


def team_settings(session: Session, team_id: str) -> TeamSettings:
    workspace = ensure_workspace(session, team_id)
    assert workspace.settings is not None
    return workspace.settings


def mark_uninstalled(session: Session, team_id: str, when: datetime) -> None:
    """Idempotent: Slack's retry of the event keeps the first time (the retention clock)."""
    workspace = session.get(Workspace, team_id)
    if workspace is not None and workspace.uninstalled_at is None:
        workspace.uninstalled_at = when


def ensure_known_workspace(
    sessions: SessionFactory, team_id: str, enterprise_id: str | None
) -> str:
    """Create the workspace and its settings the first time a team is heard from; its language.

    Idempotent, so tried again on an OperationalError: a dropped PostgreSQL connection is worth
    a second try on a fresh one.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _workspace_language(sessions, team_id, enterprise_id) or DEFAULT_LANGUAGE
        except OperationalError as exc:
            if attempt == ATTEMPTS:
                raise
            log.info(
                "workspace check for %s failed (%s); trying again", team_id, type(exc.orig).__name__
            )
            time.sleep(0.02 * attempt)
    raise AssertionError("unreachable")


def _workspace_language(
    sessions: SessionFactory, team_id: str, enterprise_id: str | None
) -> str | None:
    # A read, as on almost every request; only a new team's rows are written, in a unit that
    # writes from its start (SQLite: the first requests of a new team arriving together would
    # otherwise fail with "database is locked"; tests/test_abuse_http.py).
    with session_scope(sessions) as session:
        language = session.scalar(_SETTINGS_ROW.where(TeamSettings.team_id == team_id))
    if language is None:
        with session_scope(sessions, write=True) as session:
            workspace = ensure_workspace(session, team_id, enterprise_id=enterprise_id)
            session.flush()
            assert workspace.settings is not None
            language = workspace.settings.language
    return language


def personal_language_allowed(sessions: SessionFactory, team_id: str) -> bool:
    """Whether the team's admins let each person's Slack locale choose their language."""
    with session_scope(sessions) as session:
        allowed = session.scalar(
            select(TeamSettings.personal_language).where(TeamSettings.team_id == team_id)
        )
    return bool(allowed)


def llm_choice(sessions: SessionFactory, team_id: str) -> tuple[bool, str | None]:
    """The team's LLM switch and model (on, the operator's model, when it has no row)."""
    with session_scope(sessions) as session:
        row = session.execute(
            select(TeamSettings.llm_enabled, TeamSettings.llm_model).where(
                TeamSettings.team_id == team_id
            )
        ).first()
    # The middleware creates the row; a purge in between leaves the defaults.
    return (True, None) if row is None else (bool(row.llm_enabled), row.llm_model)


def record_install(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    installer_tz: str | None = None,
    **fields: str | None,
) -> Workspace:
    """An OAuth install: the workspace's details, and its installer the first time only.

    The installer counts as an app admin, and any member may run the install flow again, so a
    later install changes who is admin never (an admin adds people in the settings instead).
    Both cases go to the audit trail.
    """
    workspace = ensure_workspace(session, team_id)
    for name, value in fields.items():
        setattr(workspace, name, value)
    workspace.uninstalled_at = None
    if workspace.installer_user_id is None:
        workspace.installer_user_id = user_id
        workspace.installer_tz = installer_tz
        action, changes = INSTALLER_ACTION, {"installer": {"before": None, "after": user_id}}
    else:
        action, changes = REINSTALL_ACTION, {}
    session.add(
        AuditEntry(team_id=team_id, user_id=user_id, action=action, changes=changes, created_at=now)
    )
    return workspace


def take_llm_call(sessions: SessionFactory, team_id: str, day: date, limit: int) -> bool:
    """Count one LLM call for ``team_id`` on ``day``; False (nothing counted) once ``limit``
    calls were made. One statement, so two processes at once never both get the last call:
    an upsert whose update only happens while under the limit (PostgreSQL and SQLite)."""
    with session_scope(sessions, write=True) as session:
        dialect = session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(LlmUsage)
            .values(team_id=team_id, day=day, calls=1)
            .on_conflict_do_update(
                index_elements=[LlmUsage.team_id, LlmUsage.day],
                set_={"calls": LlmUsage.calls + 1},
                where=LlmUsage.calls < limit,
            )
            .returning(LlmUsage.calls)
        )
        return session.execute(statement).first() is not None
