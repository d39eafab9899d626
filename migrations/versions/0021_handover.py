"""The shift's hand-over (alone at night, point 7): handover_photos (the photos the guard
ending a shift adds to its note, kept in the photo store like report photos) and
handover_reads (each "Läst" by a guard of a later shift in the area). The hand-over's text is
the shift's existing note.

Revision ID: 0021_handover
Revises: 0020_alone_shift_area
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0021_handover"
down_revision: str | Sequence[str] | None = "0020_alone_shift_area"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_photos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("received_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_handover_photos_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_photos")),
    )
    op.create_index(
        op.f("ix_handover_photos_shift_id"), "handover_photos", ["shift_id"], unique=False
    )
    op.create_table(
        "handover_reads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("handover_shift_id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=True),
        sa.Column("read_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handover_shift_id"],
            ["shifts.id"],
            name=op.f("fk_handover_reads_handover_shift_id_shifts"),
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["users.id"], name=op.f("fk_handover_reads_reader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_reads")),
    )
    op.create_index(
        op.f("ix_handover_reads_handover_shift_id"),
        "handover_reads",
        ["handover_shift_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_handover_reads_reader_id"), "handover_reads", ["reader_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_handover_reads_reader_id"), table_name="handover_reads")
    op.drop_index(op.f("ix_handover_reads_handover_shift_id"), table_name="handover_reads")
    op.drop_table("handover_reads")
    op.drop_index(op.f("ix_handover_photos_shift_id"), table_name="handover_photos")
    op.drop_table("handover_photos")
