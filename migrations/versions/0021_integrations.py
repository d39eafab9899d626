"""Integrations (issue 26, points 4-5): integration_tokens (API tokens, stored as SHA-256) and
webhook_subscriptions.

Revision ID: 0021_integrations
Revises: 0020_incidents_drills
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0021_integrations"
down_revision: str | Sequence[str] | None = "0020_incidents_drills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integration_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_tokens_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_integration_tokens_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_integration_tokens_token_hash")),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_webhook_subscriptions_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_webhook_subscriptions_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )


def downgrade() -> None:
    op.drop_table("webhook_subscriptions")
    op.drop_table("integration_tokens")
