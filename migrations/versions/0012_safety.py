"""Safety work (issue 14): disturbance cases, resident information, safety walks; reports
made on a walk (no shift) and every report's night

Revision ID: 0012_safety
Revises: 0011_owners_mail
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0012_safety"
down_revision: str | Sequence[str] | None = "0011_owners_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite rebuilds `reports` below (drop and rename), which the rows referring to it
        # (photos, reviews, work orders) would refuse with foreign keys on. Off for this
        # migration's connection only (it takes effect outside a transaction: set first).
        op.execute("PRAGMA foreign_keys = OFF")
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

    op.create_table(
        "checklist_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_checklist_templates_name")),
    )
    op.create_table(
        "safety_walks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("walk_date", sa.Date(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_safety_walks_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_safety_walks_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name=op.f("fk_safety_walks_template_id_checklist_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_walks")),
    )
    with op.batch_alter_table("safety_walks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_walks_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_safety_walks_walk_date"), ["walk_date"], unique=False)
    op.create_table(
        "walk_checks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "ok",
                name="walk_check_result",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("clock_offset_s", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_walk_checks_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"], ["safety_walks.id"], name=op.f("fk_walk_checks_walk_id_safety_walks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_checks")),
    )
    with op.batch_alter_table("walk_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_checks_walk_id"), ["walk_id"], unique=False)

    # Reports: made on a shift or on a walk, and each with its night (the shift's, filled in
    # for the reports already there). SQLite rebuilds the table for this (see the top).
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("walk_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("walk_item", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("night", sa.Date(), nullable=True))
    op.execute(
        "UPDATE reports SET night = (SELECT shifts.night FROM shifts WHERE shifts.id = reports.shift_id)"
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column("night", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("shift_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(batch_op.f("ix_reports_walk_id"), ["walk_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_night"), ["night"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_walk_id_safety_walks"), "safety_walks", ["walk_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_author_id_users"), "users", ["author_id"], ["id"]
        )
        batch_op.create_check_constraint("shift_or_walk", "(shift_id IS NULL) <> (walk_id IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint("shift_or_walk", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_reports_author_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_reports_walk_id_safety_walks"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reports_night"))
        batch_op.drop_index(batch_op.f("ix_reports_walk_id"))
        batch_op.alter_column("shift_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("night")
        batch_op.drop_column("author_id")
        batch_op.drop_column("walk_item")
        batch_op.drop_column("walk_id")
    op.drop_table("walk_checks")
    op.drop_table("safety_walks")
    op.drop_table("checklist_templates")
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
