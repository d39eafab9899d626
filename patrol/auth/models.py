"""Users, their server-side sessions, and failed login attempts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.auth.roles import REVIEWER_ROLES, ROLES
from patrol.db import Base, UTCDateTime, enum_column, utcnow


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(enum_column(*ROLES, name="user_role"))
    # Owners (a property owner in a BID) see only their own organization's properties.
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8), default="sv", server_default="sv")
    # Which emails the user wants (EMAIL_KINDS in patrol.admin.forms), e.g. ["morning_report"].
    email_prefs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Set by a password reset: the one-time password must be replaced at the next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # "Namn som ägare ser": the name owners see for this user (who closed a work order). None:
    # owners see the role ("Dagpersonalen"), never the person's name.
    owner_visible_name: Mapped[str | None] = mapped_column(sa.String(120))

    organization = relationship("Organization")
    # A guard with areas downloads only their properties; none means every area.
    areas = relationship("Area", secondary="user_areas", order_by="Area.name")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES


user_areas = sa.Table(
    "user_areas",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("areas.id"), primary_key=True),
)


class UserSession(Base):
    """One login on one device. Its random id lives in the signed session cookie; a request
    whose id has no row here is logged out, so logout, deactivation and a password reset end
    a session at once, even for a copy of the cookie (issue 15 point 7)."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))


class LoginFailure(Base):
    """One failed login. Counted in a sliding window per account and per address.

    Kept in the database, not in process memory, so that the limit holds across several
    gunicorn workers and hosts. Old rows are pruned as new failures come in.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
