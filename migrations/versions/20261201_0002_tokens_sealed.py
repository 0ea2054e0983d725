"""slack tokens sealed at rest, one installation per workspace

The token columns become TEXT (a sealed token is longer than slack_sdk's 200 characters), the
older installations and bots of each workspace go, and the remaining tokens are sealed with
the first key of TOKEN_ENCRYPTION_KEYS. Without a key they stay as they are (logged): set the
key, then run ``python -m bot reencrypt-tokens``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:00:00
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from bot.config import ConfigError, load_settings, parse_keys
from bot.tokens import BOT_TOKENS, INSTALLATION_TOKENS, TokenCipher

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.migration")

TABLES = {"slack_installations": INSTALLATION_TOKENS, "slack_bots": BOT_TOKENS}


def _cipher() -> TokenCipher | None:
    try:
        keys = load_settings().TOKEN_ENCRYPTION_KEYS
    except ConfigError as exc:
        log.warning("settings unreadable, tokens left as they are: %s", exc)
        return None
    return TokenCipher(parse_keys(keys)) if keys else None


def _rewrite(change: Callable[[str | None], str | None]) -> None:
    bind = op.get_bind()
    for name, columns in TABLES.items():
        table = sa.table(name, sa.column("id"), *(sa.column(c) for c in columns))
        for row in bind.execute(sa.select(table)).mappings().all():
            values = {c: change(row[c]) for c in columns}
            bind.execute(sa.update(table).where(table.c.id == row["id"]).values(values))


def _stored_tokens() -> int:
    bind = op.get_bind()
    return sum(bind.scalar(sa.text(f"SELECT count(*) FROM {name}")) or 0 for name in TABLES)


def _retype(type_: sa.types.TypeEngine, existing: sa.types.TypeEngine) -> None:
    for name, columns in TABLES.items():
        with op.batch_alter_table(name) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=type_, existing_type=existing)


def upgrade() -> None:
    _retype(sa.Text(), sa.String(length=200))
    for name in TABLES:
        op.execute(
            f"DELETE FROM {name} WHERE id NOT IN "
            f"(SELECT max(id) FROM {name} GROUP BY client_id, enterprise_id, team_id)"
        )
    cipher = _cipher()
    if cipher is None:
        if _stored_tokens():
            log.warning(
                "TOKEN_ENCRYPTION_KEYS is not set: stored tokens stay in plaintext until it is "
                "and `python -m bot reencrypt-tokens` runs"
            )
        return
    _rewrite(cipher.seal)


def downgrade() -> None:
    cipher = _cipher()
    if cipher is not None:
        _rewrite(cipher.open)
    _retype(sa.String(length=200), sa.Text())
