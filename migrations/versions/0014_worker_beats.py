"""worker_beats: when each worker process was last alive (issue Operations: health).

Revision ID: 0014_worker_beats
Revises: 0013_photo_blob_storage
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0014_worker_beats"
down_revision: str | Sequence[str] | None = "0013_photo_blob_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_beats",
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("started_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_worker_beats")),
    )
    op.create_index(op.f("ix_worker_beats_seen_at"), "worker_beats", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_beats_seen_at"), table_name="worker_beats")
    op.drop_table("worker_beats")
