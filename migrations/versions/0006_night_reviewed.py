"""night reviews: "Natten granskad", one kept PDF record per night with its SHA-256

Revision ID: 0006_night_reviewed
Revises: 0005_admin_setup
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0006_night_reviewed"
down_revision: str | Sequence[str] | None = "0005_admin_setup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "night_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("reviewed_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_night_reviews_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_night_reviews")),
        sa.UniqueConstraint("night", name=op.f("uq_night_reviews_night")),
    )


def downgrade() -> None:
    op.drop_table("night_reviews")
