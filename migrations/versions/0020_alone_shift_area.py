"""Alone at night, point 0: a shift has an area, an area has its alarm times.

shifts.area_id: the area the guard patrols this shift (chosen at "Starta pass"; a guard with one
area starts in it). Shifts stored before this have none. areas.silence_minutes,
sos_escalation_minutes, silence_escalation_minutes: the area's own limits for the lone-worker
alarms; NULL means the configured default (PATROL_SILENCE_MINUTES, ...).

Revision ID: 0020_alone_shift_area
Revises: 0020_webhooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_alone_shift_area"
down_revision: str | Sequence[str] | None = "0020_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shifts") as batch:
        batch.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_shifts_area_id_areas"), "areas", ["area_id"], ["id"])
        batch.create_index(batch.f("ix_shifts_area_id"), ["area_id"])
    with op.batch_alter_table("areas") as batch:
        batch.add_column(sa.Column("silence_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sos_escalation_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("silence_escalation_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("areas") as batch:
        batch.drop_column("silence_escalation_minutes")
        batch.drop_column("sos_escalation_minutes")
        batch.drop_column("silence_minutes")
    with op.batch_alter_table("shifts") as batch:
        batch.drop_index(batch.f("ix_shifts_area_id"))
        batch.drop_constraint(batch.f("fk_shifts_area_id_areas"), type_="foreignkey")
        batch.drop_column("area_id")
