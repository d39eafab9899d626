"""Discarded records: what a guard threw away on the phone reaches the server (issue 10)

Revision ID: 0010_guard_records
Revises: 0008_rounds
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0010_guard_records"
down_revision: str | Sequence[str] | None = "0008_rounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "discarded_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("record_url", sa.String(length=300), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.Column("dependent_count", sa.Integer(), nullable=False),
        sa.Column("photo_count", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("discarded_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["users.id"], name=op.f("fk_discarded_records_guard_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discarded_records")),
    )
    op.create_index(
        op.f("ix_discarded_records_guard_id"), "discarded_records", ["guard_id"], unique=False
    )
    op.create_index(
        op.f("ix_discarded_records_shift_id"), "discarded_records", ["shift_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_discarded_records_shift_id"), table_name="discarded_records")
    op.drop_index(op.f("ix_discarded_records_guard_id"), table_name="discarded_records")
    op.drop_table("discarded_records")
