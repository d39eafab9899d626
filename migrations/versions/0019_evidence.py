"""The night as evidence (issue 26, points 1-3): night_seals (each kept version's signed,
chained root) and evidence_leaves (each record's salted leaf hash and canonical JSON).

Nights kept before this migration have no seal: only versions kept from now on are signed.

Revision ID: 0019_evidence
Revises: 0018_two_factor
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0019_evidence"
down_revision: str | Sequence[str] | None = "0018_two_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "night_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sealed_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("merkle_root", sa.String(length=64), nullable=False),
        sa.Column("previous_root", sa.String(length=64), nullable=True),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_night_seals")),
        sa.UniqueConstraint("night", "version", name="uq_night_seals_version"),
    )
    op.create_table(
        "evidence_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("forget_at", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_leaves")),
        sa.UniqueConstraint("night", "version", "position", name="uq_evidence_leaves_position"),
    )
    op.create_index("ix_evidence_leaves_record", "evidence_leaves", ["kind", "record_id"])
    op.create_index(
        op.f("ix_evidence_leaves_forget_at"), "evidence_leaves", ["forget_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_leaves_forget_at"), table_name="evidence_leaves")
    op.drop_index("ix_evidence_leaves_record", table_name="evidence_leaves")
    op.drop_table("evidence_leaves")
    op.drop_table("night_seals")
