"""Alone at night, points 1-4: the server's lone-worker alarms.

An alarm is an SOS alert of another kind (sos_alerts.kind: sos, timer, silence) with the rest
of its lifecycle: ended_at (a silence alarm ends by itself when the phone is heard again),
answered_at (a "Jag är OK" that came after a timer's alarm), escalated_at (every supervisor
told by push and mail), receiver_at (the alarm receiver's webhook queued). shifts.last_heard_at
is when the server last received anything from the shift's phone; last_heartbeat_at the last
heartbeat (only the last is kept). checkin_timers ("Jag är OK"-timers) and no_coverage
("Utan täckning") are the guard's records.

Revision ID: 0021_alone_alarms
Revises: 0020_years_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0021_alone_alarms"
down_revision: str | Sequence[str] | None = "0020_years_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sos_alerts") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="sos"))
        batch.add_column(sa.Column("ended_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("answered_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("escalated_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("receiver_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("shifts") as batch:
        batch.add_column(sa.Column("last_heard_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("last_heartbeat_at", UTCDateTime(), nullable=True))
    op.create_table(
        "checkin_timers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("alarm_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_checkin_timers_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["users.id"], name=op.f("fk_checkin_timers_guard_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_timers")),
    )
    op.create_index(op.f("ix_checkin_timers_shift_id"), "checkin_timers", ["shift_id"])
    op.create_index(op.f("ix_checkin_timers_due_at"), "checkin_timers", ["due_at"])
    op.create_table(
        "no_coverage",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_no_coverage_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["users.id"], name=op.f("fk_no_coverage_guard_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_no_coverage")),
    )
    op.create_index(op.f("ix_no_coverage_shift_id"), "no_coverage", ["shift_id"])


def downgrade() -> None:
    op.drop_table("no_coverage")
    op.drop_table("checkin_timers")
    with op.batch_alter_table("shifts") as batch:
        batch.drop_column("last_heartbeat_at")
        batch.drop_column("last_heard_at")
    with op.batch_alter_table("sos_alerts") as batch:
        for name in ("receiver_at", "escalated_at", "answered_at", "ended_at", "kind"):
            batch.drop_column(name)
