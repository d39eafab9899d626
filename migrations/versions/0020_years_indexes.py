"""years_indexes: desk pages and the purge stay fast with years of nights

Issue 25, point 4. A property's latest reports and months (the owner's property page) by
(property_id, night); a night's or a shift's SOS alerts by shift or time; and for the purge,
which works a batch at a time: photos by when they arrived, and check-ins and reports that
still hold a position (partial indexes: the years of rows already purged are not in them).

Revision ID: 0020_years_indexes
Revises: 0021_integrations
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_years_indexes"
down_revision: str | Sequence[str] | None = "0021_integrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAS_POSITION = sa.text("lat IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_reports_property_night", "reports", ["property_id", "night"])
    op.create_index(
        "ix_reports_positions_received",
        "reports",
        ["received_at"],
        postgresql_where=HAS_POSITION,
        sqlite_where=HAS_POSITION,
    )
    op.create_index(
        "ix_checkins_positions_received",
        "checkins",
        ["received_at"],
        postgresql_where=HAS_POSITION,
        sqlite_where=HAS_POSITION,
    )
    op.create_index(op.f("ix_photos_received_at"), "photos", ["received_at"])
    op.create_index(op.f("ix_sos_alerts_shift_id"), "sos_alerts", ["shift_id"])
    op.create_index(op.f("ix_sos_alerts_occurred_at"), "sos_alerts", ["occurred_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sos_alerts_occurred_at"), table_name="sos_alerts")
    op.drop_index(op.f("ix_sos_alerts_shift_id"), table_name="sos_alerts")
    op.drop_index(op.f("ix_photos_received_at"), table_name="photos")
    op.drop_index("ix_checkins_positions_received", table_name="checkins")
    op.drop_index("ix_reports_positions_received", table_name="reports")
    op.drop_index("ix_reports_property_night", table_name="reports")
