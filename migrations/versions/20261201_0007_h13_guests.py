"""team_settings: whether guests may read the decision log (off unless an admin allows it)

Revision ID: 0007_h13_guests
Revises: 0006_h14c_round_results
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_h13_guests"
down_revision: str | None = "0006_h14c_round_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "guests_read_decisions", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("team_settings", schema=None) as batch_op:
        batch_op.drop_column("guests_read_decisions")
