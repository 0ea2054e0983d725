"""each person's language: team_settings.personal_language

Revision ID: 0005_h16b_lang
Revises: 0004_h16a
Create Date: 2026-12-01 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_h16b_lang"
down_revision: str | None = "0004_h16a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Off for every workspace, existing ones included: upgrading changes nobody's language.
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("personal_language", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("personal_language")
