"""photo store in the database; thumbnails made after the upload's answer

`photo_blobs` holds photo and thumbnail bytes with their SHA-256 when
PATROL_PHOTO_STORE=database. `photos.thumbnail_key` may be NULL: the thumbnail is queued.

Revision ID: 0007_photo_store_db
Revises: 0006_night_reviewed
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0007_photo_store_db"
down_revision: str | Sequence[str] | None = "0006_night_reviewed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_blobs",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_photo_blobs")),
    )
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.alter_column("thumbnail_key", existing_type=sa.String(length=200), nullable=True)


def downgrade() -> None:
    # Queued thumbnails point at the photo itself, so the column can be NOT NULL again.
    op.execute("UPDATE photos SET thumbnail_key = storage_key WHERE thumbnail_key IS NULL")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.alter_column("thumbnail_key", existing_type=sa.String(length=200), nullable=False)
    op.drop_table("photo_blobs")
