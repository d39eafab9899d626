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


class TotpFactor(Base):
    """A user's authenticator app (issue 27). The secret must be readable to check a code, so
    it is stored as it is (like the VAPID key); `confirmed_at` stays NULL until the user has
    typed a first code from the app, and only a confirmed factor counts for the login.
    `last_step` is the 30-second time step of the last code accepted: a code of that step or
    an earlier one is refused, so each code works once (architecture §6)."""

    __tablename__ = "totp_factors"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(Base):
    """One of a user's ten one-time recovery codes, kept as the SHA-256 of the code (80 random
    bits each: a fast hash is enough for a secret nobody can guess, and a lost database does
    not give the codes away). `used_at` set: spent."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecondFactorRole(Base):
    """A role whose users must set up a second factor at their next sign-in, turned on by an
    admin under /admin/ (audited). Admins need one whatever this table says."""

    __tablename__ = "second_factor_roles"

    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Passkey(Base):
    """A passkey (WebAuthn credential) of a user: a phone, a laptop, a security key, each with
    the name the user gave it. Only the public key is kept; `sign_count` is the authenticator's
    counter, which py_webauthn refuses to see go backwards (a cloned authenticator)."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
