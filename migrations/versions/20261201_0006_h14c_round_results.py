"""team round results: posting state (retried by the scheduler) and the result's permalink

Revision ID: 0006_h14c_round_results
Revises: 0005_h16b_lang
Create Date: 2026-12-01 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_h14c_round_results"
down_revision: str | None = "0005_h16b_lang"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("team_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_state", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("result_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("result_error", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("result_retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("result_link", sa.String(length=500), nullable=True))
        batch_op.create_index(
            "ix_team_rounds_result_retry", ["result_state", "result_retry_at"], unique=False
        )
    # Results already in Slack are posted; a closed round without one predates the retry and
    # is left alone (nobody can tell whether it went out).
    op.execute(
        "UPDATE team_rounds SET result_state = 'posted', result_attempts = 1 "
        "WHERE result_ts IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("team_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_team_rounds_result_retry")
        batch_op.drop_column("result_link")
        batch_op.drop_column("result_retry_at")
        batch_op.drop_column("result_error")
        batch_op.drop_column("result_attempts")
        batch_op.drop_column("result_state")
