"""The built package works, not only the editable install: the wheel is built from a copy of the
sources, installed into a scratch virtual environment, and run from an empty folder.

Installing the dependencies afresh takes minutes, so the scratch environment finds them in this
one's site-packages (a ``.pth`` file) and gets only the wheel (``--no-deps``). ``.ci/run`` does
the whole ``pip install .`` in a fresh environment.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.models import Base
from tests.support.processes import bot_env, web_and_worker

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "migrations")  # what the wheel carries, as packages
BUILD_FILES = ("pyproject.toml", "README.md")


def _run(*command: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built by pip from a copy of the sources (no stale build/ folder of ours)."""
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in BUILD_FILES:
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, source)
    [built] = dist.glob("buildvsbuy-*.whl")
    return built


@pytest.fixture(scope="module")
def python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Python of a scratch virtual environment with the wheel installed, nothing else."""
    venv = tmp_path_factory.mktemp("venv")
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").stdout
    # After the install, so that pip never sees this environment's editable copy of the app.
    (Path(site.strip()) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    yield str(python)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty folder, far from the checkout: the installed app must not need it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_wheel_carries_every_source_file(wheel: Path) -> None:
    """Each module and locale file of the checkout is in the wheel; migrations/ as
    bot/migrations/. A package missing from pyproject.toml's list is named here."""
    expected = set()
    for name in SOURCES:
        for path in (ROOT / name).rglob("*"):
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                relative = path.relative_to(ROOT).as_posix()
                expected.add("bot/" + relative if name == "migrations" else relative)
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/migrations/versions/20261126_0001_initial_schema.py" in expected
    missing = sorted(expected - shipped)
    assert not missing, f"not in the wheel: {missing}; add their packages to pyproject.toml"


def test_the_installed_app_runs_from_the_wheel_not_the_checkout(
    python: str, elsewhere: Path
) -> None:
    code = "import bot, bot.migrations; print(bot.__file__); print(bot.migrations.__file__)"
    paths = _run(python, "-c", code, cwd=elsewhere, env=bot_env("sqlite://")).stdout.split()
    venv = Path(python).parent.parent
    assert all(Path(p).is_relative_to(venv) for p in paths), paths


def test_the_installed_app_migrates_a_sqlite_file_from_any_folder(
    python: str, elsewhere: Path
) -> None:
    database = elsewhere.parent / "migrated.db"
    _run(python, "-m", "bot", "migrate", cwd=elsewhere, env=bot_env(f"sqlite:///{database}"))
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(Base.metadata.tables) | {"alembic_version"} <= tables
    assert list(elsewhere.iterdir()) == []  # nothing written where it was run


def test_the_installed_app_assesses(python: str, elsewhere: Path) -> None:
    answers = json.dumps({"ai_role": "exploring", "talent": "none"})
    result = _run(
        python,
        *("-m", "bot", "assess", "--answers", "-", "--format", "json"),
        input=answers,
        cwd=elsewhere,
        env=bot_env(f"sqlite:///{elsewhere.parent / 'unused.db'}"),
    )
    assert json.loads(result.stdout)["verdict"] == "buy"


def test_the_installed_app_serves_and_runs_its_worker(python: str, elsewhere: Path) -> None:
    url = f"sqlite:///{elsewhere.parent / 'served.db'}"
    with web_and_worker(python, url, elsewhere) as both:
        both.wait_until_up()
    assert "Traceback" not in both.output, both.output
