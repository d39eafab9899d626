"""A night's record has versions (issue 21, point 1): night_reviews and owner_news per version,
and owner_news_items (which reports each owner email told of).

Existing rows become version 1. Owner emails already sent are taken to have told of the
night's reports of their organization that were approved when the email was written, so an
addendum never repeats them.

Revision ID: 0016_night_versions
Revises: 0015_owner_visible_name
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_night_versions"
down_revision: str | Sequence[str] | None = "0015_owner_visible_name"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("night_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_constraint("uq_night_reviews_night", type_="unique")
        batch_op.create_unique_constraint("uq_night_reviews_version", ["night", "version"])
        batch_op.create_index(op.f("ix_night_reviews_night"), ["night"], unique=False)
    with op.batch_alter_table("owner_news", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.drop_constraint("uq_owner_news_night_user", type_="unique")
        batch_op.create_unique_constraint(
            "uq_owner_news_night_user_version", ["night", "user_id", "version"]
        )
    op.create_table(
        "owner_news_items",
        sa.Column("owner_news_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_news_id"],
            ["owner_news.id"],
            name=op.f("fk_owner_news_items_owner_news_id_owner_news"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_owner_news_items_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("owner_news_id", "report_id", name=op.f("pk_owner_news_items")),
    )
    op.create_index(
        op.f("ix_owner_news_items_report_id"), "owner_news_items", ["report_id"], unique=False
    )
    op.execute(
        """
        INSERT INTO owner_news_items (owner_news_id, report_id)
        SELECT n.id, r.id
        FROM owner_news n
        JOIN reports r ON r.night = n.night AND r.review_status = 'reviewed'
        JOIN properties p ON p.id = r.property_id AND p.organization_id = n.organization_id
        JOIN report_reviews rr ON rr.report_id = r.id
        WHERE n.kind = 'news' AND rr.reviewed_at <= n.created_at
        """
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_owner_news_items_report_id"), table_name="owner_news_items")
    op.drop_table("owner_news_items")
    op.execute("DELETE FROM owner_news WHERE version > 1")
    op.execute("DELETE FROM night_reviews WHERE version > 1")
    with op.batch_alter_table("owner_news", schema=None) as batch_op:
        batch_op.drop_constraint("uq_owner_news_night_user_version", type_="unique")
        batch_op.create_unique_constraint("uq_owner_news_night_user", ["night", "user_id"])
        batch_op.drop_column("version")
    with op.batch_alter_table("night_reviews", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_night_reviews_night"))
        batch_op.drop_constraint("uq_night_reviews_version", type_="unique")
        batch_op.create_unique_constraint("uq_night_reviews_night", ["night"])
        batch_op.drop_column("version")
