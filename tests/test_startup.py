"""Start-up as an operator meets it: real processes, a fresh SQLite file, and a mistake told in
one line, never a traceback."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.processes import bot_env, web_and_worker

ROOT = Path(__file__).resolve().parent.parent


def _pids_using(path: Path) -> set[int]:
    """The processes that hold the file ``path``, or one beside it named after it, open."""
    pids = set()
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            if os.readlink(fd).startswith(str(path)):
                pids.add(int(fd.parts[2]))
    return pids


def test_web_and_worker_started_together_on_a_fresh_sqlite_file_both_come_up(
    tmp_path: Path,
) -> None:
    """Both migrate at start-up. To make "at the same moment" certain, not a matter of luck,
    the test holds the new file's write lock until both processes wait at it; before the
    migration was serialised one of them then died ("database is locked", or a table made twice).
    """
    database = tmp_path / "fresh.db"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    url = f"sqlite:///{database}"
    with web_and_worker(sys.executable, url, tmp_path, PYTHONPATH=str(ROOT)) as both:
        deadline = time.monotonic() + 60
        while len(_pids_using(database) - {os.getpid()}) < 2:  # web's migration, the worker
            assert time.monotonic() < deadline, "the two never reached the database"
            time.sleep(0.05)
        holder.close()  # rolls back: the file is still empty
        both.wait_until_up()
    assert "database is locked" not in both.output and "Traceback" not in both.output, both.output
    with sqlite3.connect(database) as db:
        assert len(db.execute("SELECT version_num FROM alembic_version").fetchall()) == 1


def _newer_database(path: Path) -> None:
    """A database migrated by a later version of the app: a revision this one does not know."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        db.execute("INSERT INTO alembic_version VALUES ('f00dfeedbeef')")


@pytest.mark.parametrize(
    ("command", "case"),
    [("web", "no folder"), ("web", "newer"), ("worker", "no folder"), ("migrate", "newer")],
)
def test_a_database_that_cannot_be_migrated_is_one_line_at_start(
    tmp_path: Path, command: str, case: str
) -> None:
    database = tmp_path / "missing-folder" / "bot.db"
    if case == "newer":
        database = tmp_path / "newer.db"
        _newer_database(database)
    result = subprocess.run(
        [sys.executable, "-m", "bot", command],
        env=bot_env(f"sqlite:///{database}", PYTHONPATH=str(ROOT)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "DATABASE_URL" in line]
    assert line.startswith("config error: DATABASE_URL could not be migrated (")
    expected = "f00dfeedbeef" if case == "newer" else str(database.parent)
    assert expected in line
    # The other lines, if any, are Alembic's log, not an error.
    assert all(" INFO alembic." in other for other in result.stderr.splitlines() if other != line)
