"""decisions: the message a decision was logged from, and the thread it is discussed in

Revision ID: 0004_h16a
Revises: 0002_h13b
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_h16a"
down_revision: str | None = "0002_h13b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("thread_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("thread_ts", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("thread_ts")
        batch_op.drop_column("thread_channel")
        batch_op.drop_column("link")
