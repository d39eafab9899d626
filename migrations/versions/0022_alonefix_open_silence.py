"""alonefix_open_silence: one silence, one alarm, held by the database

Alone at night, follow-up: only the minute's job claim kept two passes of the alarm rules from
raising two silence alarms for the same silence of one shift (two hosts, or a pass that overran
its minute). A partial unique index allows at most one silence alarm per shift that has not
ended (`ended_at IS NULL`), on PostgreSQL and SQLite alike. A database that already holds such
twins keeps every row: each later twin is marked ended when it was raised (its `ended_at` =
its `received_at`), so the first one stays open and the index can be built.

Revision ID: 0022_alonefix_open_silence
Revises: 0022_pages_reports_latest
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_alonefix_open_silence"
down_revision: str | Sequence[str] | None = "0022_pages_reports_latest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_SILENCE = sa.text("kind = 'silence' AND ended_at IS NULL")


def upgrade() -> None:
    # Later twins of an open silence alarm (same shift) end when they were raised.
    op.execute(
        sa.text(
            "UPDATE sos_alerts SET ended_at = received_at "
            "WHERE kind = 'silence' AND ended_at IS NULL AND EXISTS ("
            " SELECT 1 FROM sos_alerts AS earlier"
            " WHERE earlier.shift_id = sos_alerts.shift_id AND earlier.kind = 'silence'"
            " AND earlier.ended_at IS NULL AND (earlier.received_at < sos_alerts.received_at"
            " OR (earlier.received_at = sos_alerts.received_at AND earlier.id < sos_alerts.id)))"
        )
    )
    op.create_index(
        "uq_sos_alerts_open_silence",
        "sos_alerts",
        ["shift_id"],
        unique=True,
        postgresql_where=OPEN_SILENCE,
        sqlite_where=OPEN_SILENCE,
    )


def downgrade() -> None:
    op.drop_index("uq_sos_alerts_open_silence", table_name="sos_alerts")
