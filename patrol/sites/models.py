"""Where the patrol goes: owners, areas, properties and their checkpoints."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, utcnow


class Organization(Base):
    """A property owner. In a BID one patrol serves properties of several owners."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    # Deactivated instead of deleted: properties, reports and owner users still point here.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class Area(Base):
    """A residential area (bostadsområde), e.g. Södra Sofielund."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    city: Mapped[str] = mapped_column(sa.String(80), default="Malmö")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Where the morning's work orders go, and whom the guard calls at night.
    day_crew_emails: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    duty_phone: Mapped[str | None] = mapped_column(sa.String(40))
    # The lone-worker alarms' limits for this area, in minutes (None: the configured default,
    # `alarm_minutes` below): silence before the silence alarm, and how long an SOS or timer
    # alarm, or a silence alarm, may stay unacknowledged before it escalates.
    silence_minutes: Mapped[int | None]
    sos_escalation_minutes: Mapped[int | None]
    silence_escalation_minutes: Mapped[int | None]

    properties: Mapped[list[Property]] = relationship(
        back_populates="area", order_by="Property.name"
    )


# An area's alarm limit -> the setting that is its default.
ALARM_MINUTE_SETTINGS = {
    "silence_minutes": "SILENCE_MINUTES",
    "sos_escalation_minutes": "ESCALATION_SOS_MINUTES",
    "silence_escalation_minutes": "ESCALATION_SILENCE_MINUTES",
}


def alarm_minutes(area: Area | None, name: str) -> int:
    """The area's own limit `name` (a key of ALARM_MINUTE_SETTINGS), else the configured
    default; a shift without an area (stored before shifts had one) uses the default."""
    from flask import current_app

    own = getattr(area, name, None) if area is not None else None
    if own is not None:
        return int(own)
    return int(current_app.config[ALARM_MINUTE_SETTINGS[name]])


class Property(Base):
    """A property (fastighet): one or more buildings at an address."""

    __tablename__ = "properties"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    address: Mapped[str] = mapped_column(sa.String(200))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # How precise the position was when the admin set it by walking there (metres).
    position_accuracy_m: Mapped[float | None]
    # The owner's own id for the property (from its register): how an import recognises it.
    owner_ref: Mapped[str | None] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Post orders for the guard; the changed time lets the phone mark them "Ny".
    instructions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    instructions_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area] = relationship(back_populates="properties")
    organization: Mapped[Organization] = relationship()
    checkpoints: Mapped[list[Checkpoint]] = relationship(
        back_populates="property", order_by="Checkpoint.label"
    )

    @property
    def address_after_name(self) -> str:
        """The address as it reads after the name in a heading: a property is often named by
        its street address ("Jespersgatan 6" at "Jespersgatan 6, 214 36 Malmö"), and the
        heading should not say the street twice ("Jespersgatan 6 · 214 36 Malmö")."""
        rest = self.address[len(self.name) :]
        named = self.address.casefold().startswith(self.name.casefold())
        if named and (not rest or rest[0] in ", "):  # not "Jespersgatan 60" after "...gatan 6"
            return rest.lstrip(" ,")
        return self.address

    __table_args__ = (
        sa.UniqueConstraint("area_id", "name", name="uq_properties_area_name"),
        sa.UniqueConstraint("organization_id", "owner_ref", name="uq_properties_owner_ref"),
    )


def new_checkpoint_token() -> str:
    """128 random bits, URL-safe: what the QR code at the checkpoint carries in /c/<token>."""
    return secrets.token_urlsafe(16)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Checkpoint(Base):
    """A place inside a property where a guard checks in: entrance, stairwell, laundry room..."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("properties.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    # Printed under the QR code for typing by hand; short, so never sent to phones (5a).
    short_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_checkpoint_token)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    position_accuracy_m: Mapped[float | None]
    radius_m: Mapped[float] = mapped_column(default=50.0)
    # A deactivated checkpoint leaves the phones at their next sync; a check-in from a phone
    # that was offline is still accepted, flagged.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    instructions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    instructions_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def token_sha256(self) -> str:
        return token_sha256(self.token)

    # Declared after the @property above: the name shadows the builtin inside the class body.
    property: Mapped[Property] = relationship(back_populates="checkpoints")


class RetiredToken(Base):
    """A QR token replaced by "Byt QR-kod". Kept so that a guard who scanned the old sticker
    while offline still gets the check-in accepted (flagged `retired_token`, never counted
    towards a round)."""

    __tablename__ = "retired_tokens"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkpoint: Mapped[Checkpoint] = relationship()
