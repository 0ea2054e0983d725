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

from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.fakes.slack_api import running_fake_slack_api
from tests.test_http_server import free_port, wait_for_health

ROOT = Path(__file__).resolve().parent.parent


def bot_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of ``python -m bot``: this checkout, a database, HTTP credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        **extra,
    )
    return env


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
    port, database = free_port(), tmp_path / "fresh.db"
    worker_log = tmp_path / "worker.log"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    with running_fake_slack_api() as fake, worker_log.open("w") as worker_err:
        fake.add_team(TEAM, bot_token=BOT_TOKEN)
        env = bot_env(f"sqlite:///{database}", SLACK_API_BASE_URL=fake.base_url, PORT=str(port))
        command = [sys.executable, "-m", "bot"]
        web = subprocess.Popen(
            [*command, "web"], env=env, cwd=tmp_path, text=True, stderr=subprocess.PIPE
        )
        worker = subprocess.Popen([*command, "worker"], env=env, cwd=tmp_path, stderr=worker_err)
        try:
            deadline = time.monotonic() + 60
            while len(_pids_using(database) - {os.getpid()}) < 2:  # web's migration, the worker
                assert time.monotonic() < deadline, "the two never reached the database"
                time.sleep(0.05)
            holder.rollback()
            holder.close()
            wait_for_health(f"http://127.0.0.1:{port}/healthz", web, seconds=60)
            while "worker started" not in worker_log.read_text():
                assert worker.poll() is None, f"the worker exited: {worker_log.read_text()}"
                assert time.monotonic() < deadline, "the worker did not start"
                time.sleep(0.1)
            time.sleep(1)  # both stay up once the other has started
            assert (web.poll(), worker.poll()) == (None, None), worker_log.read_text()
        finally:
            holder.close()
            for process in (web, worker):
                process.terminate()
            web_err = web.communicate(timeout=30)[1]
            worker.wait(timeout=30)
    for output in (web_err, worker_log.read_text()):
        assert "database is locked" not in output and "Traceback" not in output, output
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
        env=bot_env(f"sqlite:///{database}"),
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
