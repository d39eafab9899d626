"""owners and mail (issue 13): the mail outbox, the owners' morning news (one row per night and
owner), the day crew's photo of a finished repair, and the owner text of a report's review.

Until the admin migration (0005_admin_setup, issue 9) lands, this file also adds what issue 13
needs from it, with the same names and types: users.email / language / email_prefs,
areas.day_crew_emails, user_areas and the role `crew`. That block is marked below; it runs only
when 0005_admin_setup.py is not among the migrations (so either order of the two works), and
can be deleted once 0005 is merged in.

Revision ID: 0011_owners_mail
Revises: 0004b_schedule
Create Date: 2026-11-25 20:21:44.824244
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import patrol.db

revision: str = "0011_owners_mail"
down_revision: str | Sequence[str] | None = "0004b_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# When the admin migration is present it adds the shared columns itself.
ADMIN_MIGRATION_PRESENT = Path(__file__).with_name("0005_admin_setup.py").exists()


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sender", sa.String(length=254), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                name="mail_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_until", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", patrol.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index("ix_mail_messages_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "owner_news",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "trigger",
            sa.Enum(
                "reviewed",
                "deadline",
                name="owner_news_trigger",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum(
                "news",
                "nothing",
                "skipped",
                name="owner_news_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("approved", sa.Integer(), nullable=False),
        sa.Column("awaiting_review", sa.Integer(), nullable=False),
        sa.Column("mail_id", sa.Integer(), nullable=True),
        sa.Column("created_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["mail_messages.id"], name=op.f("fk_owner_news_mail_id_mail_messages")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_owner_news_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_owner_news_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_news")),
        sa.UniqueConstraint("night", "user_id", name="uq_owner_news_night_user"),
    )
    op.create_table(
        "work_order_photos",
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", patrol.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_work_order_photos_uploaded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_photos_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("work_order_id", name=op.f("pk_work_order_photos")),
        sa.UniqueConstraint("id", name=op.f("uq_work_order_photos_id")),
    )
    with op.batch_alter_table("report_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_text", sa.Text(), nullable=True))

    # --- ADMIN OVERLAP: the same as 0005_admin_setup (issue 9); remove when that lands ------
    if not ADMIN_MIGRATION_PRESENT:
        add_admin_overlap()


def add_admin_overlap() -> None:
    op.create_table(
        "user_areas",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_user_areas_area_id_areas")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_areas_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "area_id", name=op.f("pk_user_areas")),
    )
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("day_crew_emails", sa.JSON(), server_default="[]", nullable=False)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="sv", nullable=False)
        )
        batch_op.add_column(
            sa.Column("email_prefs", sa.JSON(), server_default="[]", nullable=False)
        )
    set_roles(ROLES_BEFORE, ROLES_AFTER)


# ADMIN OVERLAP (from 0005_admin_setup): the role `crew` in the users' role CHECK constraint.
ROLES_BEFORE = ("guard", "supervisor", "admin", "owner")
ROLES_AFTER = ("guard", "supervisor", "admin", "owner", "crew")


def role_enum(roles):
    return sa.Enum(*roles, name="user_role", native_enum=False, create_constraint=True, length=24)


def set_roles(old, new) -> None:
    """The role column is a VARCHAR with a CHECK constraint: replace the constraint."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_users_user_role"), "users", type_="check")
        allowed = ", ".join(f"'{role}'" for role in new)
        op.create_check_constraint(op.f("ck_users_user_role"), "users", f"role IN ({allowed})")
        return
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("role", existing_type=role_enum(old), type_=role_enum(new))


def downgrade() -> None:
    with op.batch_alter_table("report_reviews", schema=None) as batch_op:
        batch_op.drop_column("owner_text")
    op.drop_table("work_order_photos")
    op.drop_table("owner_news")
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_messages_due")
    op.drop_table("mail_messages")
    if not ADMIN_MIGRATION_PRESENT:
        drop_admin_overlap()


def drop_admin_overlap() -> None:
    op.execute("DELETE FROM users WHERE role = 'crew'")
    set_roles(ROLES_AFTER, ROLES_BEFORE)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_prefs")
        batch_op.drop_column("language")
        batch_op.drop_column("email")
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_column("day_crew_emails")
    op.drop_table("user_areas")
