"""Safety work (issue 14): disturbance cases and resident information

Revision ID: 0012_safety
Revises: 0004b_schedule
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0012_safety"
down_revision: str | Sequence[str] | None = "0004b_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disturbance_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("open_place", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="case_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_disturbance_cases_checkpoint_id_checkpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_disturbance_cases_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_disturbance_cases_property_id_properties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disturbance_cases")),
        sa.UniqueConstraint("open_place", name=op.f("uq_disturbance_cases_open_place")),
    )
    with op.batch_alter_table("disturbance_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disturbance_cases_property_id"), ["property_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disturbance_cases_status"), ["status"], unique=False)

    op.create_table(
        "case_reports",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=True),
        sa.Column("judged_by_id", sa.Integer(), nullable=True),
        sa.Column("judged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["disturbance_cases.id"],
            name=op.f("fk_case_reports_case_id_disturbance_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["judged_by_id"], ["users.id"], name=op.f("fk_case_reports_judged_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_case_reports_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_case_reports")),
    )
    with op.batch_alter_table("case_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_reports_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_reports_night"), ["night"], unique=False)

    op.create_table(
        "resident_info_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=True),
        sa.Column("dispatch_id", sa.Uuid(), nullable=True),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_resident_info_plans_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dispatch_id"],
            ["dispatches.id"],
            name=op.f("fk_resident_info_plans_dispatch_id_dispatches"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_resident_info_plans_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_info_plans")),
    )
    with op.batch_alter_table("resident_info_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_info_plans_dispatch_id"), ["dispatch_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_resident_info_plans_night"), ["night"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resident_info_plans_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "resident_info_entrances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_resident_info_entrances_checkpoint_id_checkpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["resident_info_plans.id"],
            name=op.f("fk_resident_info_entrances_plan_id_resident_info_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name=op.f("fk_resident_info_entrances_property_id_properties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_info_entrances")),
    )
    with op.batch_alter_table("resident_info_entrances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_info_entrances_plan_id"), ["plan_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resident_info_entrances_property_id"), ["property_id"], unique=False
        )

    op.create_table(
        "resident_info_visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entrance_id", sa.Integer(), nullable=False),
        sa.Column("guard_id", sa.Integer(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("notice_posted", sa.Boolean(), nullable=False),
        sa.Column("letters_delivered", sa.Boolean(), nullable=False),
        sa.Column("doors_knocked", sa.Integer(), nullable=True),
        sa.Column("doors_answered", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("clock_offset_s", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entrance_id"],
            ["resident_info_entrances.id"],
            name=op.f("fk_resident_info_visits_entrance_id_resident_info_entrances"),
        ),
        sa.ForeignKeyConstraint(
            ["guard_id"], ["users.id"], name=op.f("fk_resident_info_visits_guard_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_info_visits")),
    )
    with op.batch_alter_table("resident_info_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_info_visits_entrance_id"), ["entrance_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resident_info_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_info_visits_entrance_id"))

    op.drop_table("resident_info_visits")
    with op.batch_alter_table("resident_info_entrances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_info_entrances_property_id"))
        batch_op.drop_index(batch_op.f("ix_resident_info_entrances_plan_id"))

    op.drop_table("resident_info_entrances")
    with op.batch_alter_table("resident_info_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_info_plans_report_id"))
        batch_op.drop_index(batch_op.f("ix_resident_info_plans_night"))
        batch_op.drop_index(batch_op.f("ix_resident_info_plans_dispatch_id"))

    op.drop_table("resident_info_plans")
    with op.batch_alter_table("case_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_reports_night"))
        batch_op.drop_index(batch_op.f("ix_case_reports_case_id"))

    op.drop_table("case_reports")
    with op.batch_alter_table("disturbance_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disturbance_cases_status"))
        batch_op.drop_index(batch_op.f("ix_disturbance_cases_property_id"))

    op.drop_table("disturbance_cases")
