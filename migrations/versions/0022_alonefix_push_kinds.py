"""alonefix_push_kinds: a timer's and a silence's pushes are of their own kind

Alone at night, follow-up: the server's timer and silence alarms were pushed as `sos`;
push_messages.kind gains `timer` and `silence`, so the notification and the service worker
say what the alarm is. Downgrade: those messages become `sos` again (kept, not deleted).

Revision ID: 0022_alonefix_push_kinds
Revises: 0022_alonefix_open_silence
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_alonefix_push_kinds"
down_revision: str | Sequence[str] | None = "0022_alonefix_open_silence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ("acute", "sos", "sos_ack", "dispatch", "test", "round_unreported", "drill")
NEW_KINDS = (*OLD_KINDS, "timer", "silence")


def enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    with op.batch_alter_table("push_messages") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=enum(OLD_KINDS, "push_kind"),
            type_=enum(NEW_KINDS, "push_kind"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute("UPDATE push_messages SET kind = 'sos' WHERE kind IN ('timer', 'silence')")
    with op.batch_alter_table("push_messages") as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=enum(NEW_KINDS, "push_kind"),
            type_=enum(OLD_KINDS, "push_kind"),
            existing_nullable=False,
        )
