"""Alembic environment: the URL comes from our settings unless the caller set one."""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy import pool

from bot.db import make_engine
from bot.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata
log = logging.getLogger("alembic.env")


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.config import get_settings

    return get_settings().DATABASE_URL


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations store the plain column type; the UTC handling lives in the model.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _skip_empty(context_: object, revision: object, directives: list) -> None:
    # Only for `revision --autogenerate`: `alembic check` needs the (empty) revision to compare.
    if not getattr(config.cmd_opts, "autogenerate", False):
        return
    script = directives[0]
    if script.upgrade_ops.is_empty():
        directives[:] = []
        log.info("no schema change; no revision written")


def _compare_type(context_, inspected, metadata, inspected_type, metadata_type) -> bool | None:
    if isinstance(metadata_type, UTCDateTime):
        # SQLite reflects DATETIME without a time zone: the same column.
        return None if context_.dialect.name != "sqlite" else False
    return None


# Indexes the migrations make by hand for one database only (no model can describe them).
DATABASE_ONLY_INDEXES = {"ix_decisions_search"}  # PostgreSQL text search, bot/decisions


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "index" and reflected and name in DATABASE_ONLY_INDEXES)


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=_render_item,
        process_revision_directives=_skip_empty,
        compare_type=_compare_type,
        include_object=_include_object,
        render_as_batch=True,  # SQLite alters tables by copying them
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
