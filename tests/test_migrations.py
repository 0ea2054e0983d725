"""The schema is the migrations': up, down and up again, and no drift from the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from bot.config import normalize_database_url
from bot.db import alembic_config, make_engine
from bot.models import Base
from tests.conftest import PG_URL, reset_postgres_schema

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
