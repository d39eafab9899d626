"""photo bytes in PostgreSQL stored without compression

A JPEG is already compressed: PostgreSQL's TOAST tried to compress every photo again (pglz)
and gave up, which was most of the database photo store's time per upload. STORAGE EXTERNAL
keeps the bytes out of line, uncompressed. SQLite has no such setting: nothing to do there.

Revision ID: 0013_photo_blob_storage
Revises: 0009_hardening
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_photo_blob_storage"
down_revision: str | Sequence[str] | None = "0009_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE photo_blobs ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE photo_blobs ALTER COLUMN data SET STORAGE EXTENDED")
