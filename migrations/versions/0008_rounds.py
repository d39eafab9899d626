"""Planned rounds: routes, plan versions with ordered checkpoints, round skips; push kind
round_unreported

Revision ID: 0008_rounds
Revises: 0007_photo_store_db
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patrol.db import UTCDateTime

revision: str = "0008_rounds"
down_revision: str | Sequence[str] | None = "0007_photo_store_db"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("acute", "sos", "sos_ack", "dispatch", "test")
NEW_KINDS = (*OLD_KINDS, "round_unreported")


def push_kind(kinds):
    return sa.Enum(*kinds, name="push_kind", native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("expected_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_routes_area_id_areas")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
        sa.UniqueConstraint("area_id", "name", name="uq_routes_area_name"),
    )
    op.create_index(op.f("ix_routes_area_id"), "routes", ["area_id"], unique=False)

    op.create_table(
        "route_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.Time(), nullable=False),
        sa.Column("window_end", sa.Time(), nullable=False),
        sa.Column("rounds_per_night", sa.Integer(), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=True),
        sa.Column("tolerance_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(rounds_per_night IS NULL) <> (interval_minutes IS NULL)",
            name=op.f("ck_route_schedules_rounds_or_interval"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_route_schedules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["routes.id"], name=op.f("fk_route_schedules_route_id_routes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_schedules")),
        sa.UniqueConstraint("route_id", "valid_from", name="uq_route_schedules_route_valid_from"),
    )
    op.create_index(
        op.f("ix_route_schedules_route_id"), "route_schedules", ["route_id"], unique=False
    )

    op.create_table(
        "route_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("instructions", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_route_checkpoints_checkpoint_id_checkpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["route_schedules.id"],
            name=op.f("fk_route_checkpoints_schedule_id_route_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_route_checkpoints")),
        sa.UniqueConstraint("schedule_id", "position", name="uq_route_checkpoints_position"),
    )
    op.create_index(
        op.f("ix_route_checkpoints_checkpoint_id"),
        "route_checkpoints",
        ["checkpoint_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_route_checkpoints_schedule_id"), "route_checkpoints", ["schedule_id"], unique=False
    )

    op.create_table(
        "round_skips",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason_code",
            sa.Enum(
                "locked",
                "cordon",
                "unsafe",
                "blocked",
                "other",
                name="skip_reason",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reason_text", sa.String(length=500), nullable=True),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("clock_offset_s", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_round_skips_checkpoint_id_checkpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["route_id"], ["routes.id"], name=op.f("fk_round_skips_route_id_routes")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shifts.id"], name=op.f("fk_round_skips_shift_id_shifts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_skips")),
    )
    op.create_index(op.f("ix_round_skips_route_id"), "round_skips", ["route_id"], unique=False)
    op.create_index(op.f("ix_round_skips_shift_id"), "round_skips", ["shift_id"], unique=False)

    # The "ej rapporterad" alert is a push message of its own kind.
    with op.batch_alter_table("push_messages") as batch_op:
        batch_op.alter_column(
            "kind", existing_type=push_kind(OLD_KINDS), type_=push_kind(NEW_KINDS)
        )


def downgrade() -> None:
    op.execute("DELETE FROM push_messages WHERE kind = 'round_unreported'")
    with op.batch_alter_table("push_messages") as batch_op:
        batch_op.alter_column(
            "kind", existing_type=push_kind(NEW_KINDS), type_=push_kind(OLD_KINDS)
        )
    op.drop_index(op.f("ix_round_skips_shift_id"), table_name="round_skips")
    op.drop_index(op.f("ix_round_skips_route_id"), table_name="round_skips")
    op.drop_table("round_skips")
    op.drop_index(op.f("ix_route_checkpoints_schedule_id"), table_name="route_checkpoints")
    op.drop_index(op.f("ix_route_checkpoints_checkpoint_id"), table_name="route_checkpoints")
    op.drop_table("route_checkpoints")
    op.drop_index(op.f("ix_route_schedules_route_id"), table_name="route_schedules")
    op.drop_table("route_schedules")
    op.drop_index(op.f("ix_routes_area_id"), table_name="routes")
    op.drop_table("routes")
