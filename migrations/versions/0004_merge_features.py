"""Join the feature branches (review, push) into one head

Each feature package added its tables in its own migration on top of the core (0001), so the
three could be written side by side. This empty revision joins them, so that the next
`flask --app app db revision` has a single parent.

Revision ID: 0004_merge
Revises: 0002_review, 0003_push
Create Date: 2026-11-24
"""

from collections.abc import Sequence

revision: str = "0004_merge"
down_revision: str | Sequence[str] | None = ("0002_review", "0003_push")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
