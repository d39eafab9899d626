"""Scheduled jobs: one row per claimed (job, night, key) run

Revision ID: 0004b_schedule
Revises: 0004_merge
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0004b_schedule"
down_revision: str | Sequence[str] | None = "0004_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "night", "key", name="uq_job_runs_job_night_key"),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
