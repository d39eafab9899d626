"""users.owner_visible_name: the name owners see for a user ("Namn som ägare ser")

Owners saw the full name of the crew member who closed a work order; now they see the role
("Dagpersonalen") unless an admin sets a name for owners on the user's page (issue 22,
point 9). NULL for every existing user: owners see the role.

Revision ID: 0015_owner_visible_name
Revises: 0014_worker_beats
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_owner_visible_name"
down_revision: str | Sequence[str] | None = "0014_worker_beats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("owner_visible_name", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("owner_visible_name")
