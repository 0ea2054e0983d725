"""The schema is the migrations': up, down and up again, and no drift from the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from bot.config import normalize_database_url
from bot.db import alembic_config, make_engine
from bot.models import Base
from tests.conftest import DATABASES, PG_URL, reset_postgres_schema

SCHEMA = "migration_test"


def _url(db_name: str, tmp_path: Path) -> str:
    if db_name == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    assert PG_URL
    url = normalize_database_url(PG_URL)
    reset_postgres_schema(url, SCHEMA)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{SCHEMA}"


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "db_name",
    [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set"),
            ],
        ),
    ],
)
def test_upgrade_downgrade_upgrade_and_no_drift(db_name: str, tmp_path: Path) -> None:
    url = _url(db_name, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "head")
    assert _tables(url) == set(Base.metadata.tables)
    command.check(config)  # raises when the models and the migrations disagree
    command.downgrade(config, "base")
    assert _tables(url) == set()
    command.upgrade(config, "head")
    assert _tables(url) == set(Base.metadata.tables)
    command.check(config)


def _plain_installs(url: str) -> None:
    """Two installs of one workspace as the app stored them before 0002: tokens in plaintext."""
    engine = make_engine(url)
    with engine.begin() as conn:
        for n, when in ((1, "2026-11-01 10:00:00"), (2, "2026-11-20 10:00:00")):
            common = {
                "client_id": "1111.2222",
                "team_id": "T0AAAAAAA",
                "bot_token": f"xoxb-plain-{n}",
                "installed_at": when,
            }
            conn.execute(
                text(
                    "INSERT INTO slack_installations (client_id, app_id, team_id, bot_token, "
                    "user_id, is_enterprise_install, installed_at) VALUES (:client_id, 'A0', "
                    ":team_id, :bot_token, 'U0AINSTAL', false, :installed_at)"
                ),
                common,
            )
            conn.execute(
                text(
                    "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, bot_id, "
                    "bot_user_id, is_enterprise_install, installed_at) VALUES (:client_id, 'A0', "
                    ":team_id, :bot_token, 'B0', 'U0BOT', false, :installed_at)"
                ),
                common,
            )
    engine.dispose()


@pytest.mark.parametrize("db_name", DATABASES)
def test_0002_seals_plaintext_tokens_and_keeps_the_latest_install(
    db_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _url(db_name, tmp_path)
    config = alembic_config(url)
    command.upgrade(config, "0001")
    _plain_installs(url)
    key = Fernet.generate_key().decode()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEYS", key)
    command.upgrade(config, "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        for table in ("slack_installations", "slack_bots"):
            [token] = conn.scalars(text(f"SELECT bot_token FROM {table}")).all()
            assert token.startswith("fernet:")
            sealed = token.removeprefix("fernet:").encode()
            assert Fernet(key).decrypt(sealed) == b"xoxb-plain-2"  # the latest install
    engine.dispose()
