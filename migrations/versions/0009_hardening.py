"""Privacy: the purge log (what retention deleted, when; counts only)

Revision ID: 0009_hardening
Revises: 0012_safety
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0009_hardening"
down_revision: str | Sequence[str] | None = "0012_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "purge_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ran_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("older_than", UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purge_runs")),
    )
    op.create_index(op.f("ix_purge_runs_ran_at"), "purge_runs", ["ran_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_purge_runs_ran_at"), table_name="purge_runs")
    op.drop_table("purge_runs")
