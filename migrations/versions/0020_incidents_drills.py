"""incidents_drills: threat or violence incidents and alarm drills (issue 23, points 6 and 5)

- reports.category gains "threat_violence" ("Hot eller våld"); its details and the desk's
  follow-up are in incident_details (one row per such report);
- drills: an alarm drill sent to a guard on shift, with its sent, seen and answered times;
  push_messages.kind gains "drill".

Revision ID: 0020_incidents_drills
Revises: 0021_handover
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0020_incidents_drills"
down_revision: str | Sequence[str] | None = "0021_handover"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CATEGORIES = (
    "lighting",
    "door_lock",
    "window",
    "graffiti",
    "vandalism",
    "litter",
    "water_leak",
    "elevator",
    "disturbance",
    "intrusion",
    "fire_smoke",
    "other",
)
NEW_CATEGORIES = (*OLD_CATEGORIES, "threat_violence")
OLD_KINDS = ("acute", "sos", "sos_ack", "dispatch", "test", "round_unreported")
NEW_KINDS = (*OLD_KINDS, "drill")


def enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.alter_column(
            "category",
            existing_type=enum(OLD_CATEGORIES, "report_category"),
            type_=enum(NEW_CATEGORIES, "report_category"),
            existing_nullable=False,
        )
    op.create_table(
        "incident_details",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("exposed_roles", sa.JSON(), nullable=False),
        sa.Column("witness_roles", sa.JSON(), nullable=False),
        sa.Column("injuries", sa.Text(), nullable=True),
        sa.Column("injuries_purged_at", UTCDateTime(), nullable=True),
        sa.Column("police_report_number", sa.String(length=40), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("investigation", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_incident_details_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_incident_details_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_incident_details")),
    )
    op.create_index(
        op.f("ix_incident_details_closed_at"), "incident_details", ["closed_at"], unique=False
    )

    with op.batch_alter_table("push_messages") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=enum(OLD_KINDS, "push_kind"),
            type_=enum(NEW_KINDS, "push_kind"),
            existing_nullable=False,
        )
    op.create_table(
        "drills",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.Column("seen_received_at", UTCDateTime(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_received_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["guard_id"], ["users.id"], name=op.f("fk_drills_guard_id_users")),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_drills_shift_id_shifts")
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"], ["users.id"], name=op.f("fk_drills_started_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drills")),
    )
    op.create_index(op.f("ix_drills_guard_id"), "drills", ["guard_id"], unique=False)
    op.create_index(op.f("ix_drills_sent_at"), "drills", ["sent_at"], unique=False)
    op.create_index(op.f("ix_drills_shift_id"), "drills", ["shift_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_drills_shift_id"), table_name="drills")
    op.drop_index(op.f("ix_drills_sent_at"), table_name="drills")
    op.drop_index(op.f("ix_drills_guard_id"), table_name="drills")
    op.drop_table("drills")
    op.execute("DELETE FROM push_messages WHERE kind = 'drill'")
    with op.batch_alter_table("push_messages") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=enum(NEW_KINDS, "push_kind"),
            type_=enum(OLD_KINDS, "push_kind"),
            existing_nullable=False,
        )
    op.drop_index(op.f("ix_incident_details_closed_at"), table_name="incident_details")
    op.drop_table("incident_details")
    # An incident is kept as an ordinary "other" report rather than lost.
    op.execute("UPDATE reports SET category = 'other' WHERE category = 'threat_violence'")
    with op.batch_alter_table("reports") as batch_op:
        batch_op.alter_column(
            "category",
            existing_type=enum(NEW_CATEGORIES, "report_category"),
            type_=enum(OLD_CATEGORIES, "report_category"),
            existing_nullable=False,
        )
