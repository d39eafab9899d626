"""pages_reports_latest: a property's latest reports straight from an index

Issue 25, point 4. The owner's property page shows a property's latest 50 approved reports,
newest night and time first. With (property_id, night) the database read the property's
nights and sorted each night's reports (PostgreSQL chose to walk every property's nights
backwards instead, filtering out the other properties); (property_id, night, occurred_at)
gives the 50 in order, whatever the history. It replaces the shorter index: its prefix
serves everything that one did.

Revision ID: 0022_pages_reports_latest
Revises: 0021_alone_alarms
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022_pages_reports_latest"
down_revision: str | Sequence[str] | None = "0021_alone_alarms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_reports_property_night_time", "reports", ["property_id", "night", "occurred_at"]
    )
    op.drop_index("ix_reports_property_night", table_name="reports")


def downgrade() -> None:
    op.create_index("ix_reports_property_night", "reports", ["property_id", "night"])
    op.drop_index("ix_reports_property_night_time", table_name="reports")
