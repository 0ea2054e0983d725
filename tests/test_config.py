"""Configuration: every bad setting stops start-up with one line naming it (exit 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("overrides", "name", "phrase"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN", "must start with xoxb-"),
        ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN", "must start with xapp-"),
        ({"PORT": "eighty"}, "PORT", "valid integer"),
        ({"PORT": "70000"}, "PORT", "65535"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL", "unsupported database 'mysql'"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL", "not a database URL"),
        ({"SLACK_API_BASE_URL": "ftp://x"}, "SLACK_API_BASE_URL", "http(s) URL"),
        ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET", "is missing"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG"),
        ({"OPENAI_TIMEOUT": "0"}, "OPENAI_TIMEOUT", "greater than or equal to 1"),
    ],
)
def test_bad_setting_names_itself_and_the_fix(overrides: dict, name: str, phrase: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **overrides)
    message = str(caught.value)
    assert caught.value.name == name
    assert message.startswith(f"config error: {name} ")
    assert phrase in message
    assert "\n" not in message


def test_secret_values_never_appear_in_the_message() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, SLACK_BOT_TOKEN="secret-value-123")
    assert "secret-value-123" not in str(caught.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/app", "postgresql+psycopg://u:p@db.example:5432/app"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///data/bot.db", "sqlite:///data/bot.db"),
    ],
)
def test_database_url_forms(given: str, expected: str) -> None:
    settings = load_settings(_env_file=None, DATABASE_URL=given)
    assert (settings.DATABASE_URL, given) == (expected, given)


def test_defaults_are_embedded_sqlite_and_slack() -> None:
    settings = load_settings(_env_file=None)
    assert settings.DATABASE_URL == "sqlite:///buildvsbuy.db"
    assert settings.SLACK_API_BASE_URL == "https://slack.com/api/"
    assert not settings.has_slack_credentials
    assert not settings.llm_configured


def test_http_mode_needs_a_signing_secret() -> None:
    settings = load_settings(_env_file=None, SLACK_BOT_TOKEN="xoxb-1")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is missing"):
        settings.require_http()


def _run_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_credentials_prints_one_paragraph(tmp_path: Path) -> None:
    result = _run_bot(env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    paragraph = result.stderr.strip()
    assert "\n" not in paragraph
    for needle in (
        "manifest.json",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "python -m bot assess",
    ):
        assert needle in paragraph


def test_malformed_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _run_bot(
        "web",
        env={
            "PYTHONPATH": str(ROOT),
            "PORT": "abc",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("config error: PORT ")
    assert "Traceback" not in result.stderr


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("OPENAI_MODEL=my-local-model\nPORT=8123\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.OPENAI_MODEL, settings.PORT) == ("my-local-model", 8123)
