"""acute_notices: the owners' "acute events when approved" email, once per report and user

The user setting "Akuta händelser när de godkänts" mails an owner user when an acute report
at one of the organization's properties is approved (issue 21, point 4). The composite
primary key (report, user) keeps a re-approval from mailing again.

Revision ID: 0017_acute_notices
Revises: 0016_night_versions
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0017_acute_notices"
down_revision: str | Sequence[str] | None = "0016_night_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acute_notices",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_acute_notices_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_acute_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["mail_messages.id"], name=op.f("fk_acute_notices_mail_id_mail_messages")
        ),
        sa.PrimaryKeyConstraint("report_id", "user_id", name=op.f("pk_acute_notices")),
    )


def downgrade() -> None:
    op.drop_table("acute_notices")
