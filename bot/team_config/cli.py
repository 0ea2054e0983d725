"""``python -m bot purge --team T… [--yes]``: delete a workspace's data from the shell.

One transaction: every row goes, or none does. Without ``--yes`` the operator types the team id
back, so a slip of the shell history cannot wipe the wrong workspace.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, get_settings
from bot.db import SessionFactory, make_engine, make_session_factory, session_scope
from bot.i18n import t
from bot.team_config.purge import purge_team, team_data_counts

_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,31}")


class _BadArguments(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line and exit 2
        raise _BadArguments(message)


def _parser() -> _Parser:
    parser = _Parser(prog="python -m bot purge", description=t("settings.cli.description"))
    parser.add_argument("--team", required=True, metavar="TEAM_ID", help=t("settings.cli.team"))
    parser.add_argument("--yes", action="store_true", help=t("settings.cli.yes"))
    return parser


def main(
    argv: Sequence[str],
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Exit 0 when purged (or nothing to purge), 1 when refused or failed, 2 for bad input."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    try:
        args = _parser().parse_args(list(argv))
    except _BadArguments as exc:
        print(t("settings.cli.bad_argument", error=exc), file=err)
        return 2
    team_id = args.team.strip()
    if not _TEAM_ID.fullmatch(team_id):
        print(t("settings.cli.bad_team", team=team_id), file=err)
        return 2
    try:
        settings = get_settings()
    except ConfigError as exc:
        print(exc, file=err)
        return 2
    engine = make_engine(settings.DATABASE_URL)
    try:
        return _purge(make_session_factory(engine), team_id, args.yes, stdin, out, err)
    except SQLAlchemyError as exc:
        print(t("settings.cli.db_error", error=type(exc).__name__), file=err)
        return 1
    finally:
        engine.dispose()


def _purge(
    sessions: SessionFactory, team_id: str, yes: bool, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    with session_scope(sessions) as session:
        counts = team_data_counts(session, team_id)
    if not counts:
        print(t("settings.cli.nothing", team=team_id), file=out)
        return 0
    for table, count in counts.items():
        print(t("settings.cli.row", table=table, count=count), file=out)
    if not yes:
        print(t("settings.cli.confirm", team=team_id), end="", file=out, flush=True)
        typed = stdin.readline().strip()
        if typed != team_id:
            print(t("settings.cli.refused"), file=err)
            return 1
    with session_scope(sessions, write=True) as session:
        deleted = purge_team(session, team_id, by="cli")
    for table, count in deleted.items():
        print(t("settings.cli.deleted", table=table, count=count), file=out)
    print(t("settings.cli.done", team=team_id, count=sum(deleted.values())), file=out)
    return 0
