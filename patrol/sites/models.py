"""Where the patrol goes: owners, areas, properties and their checkpoints."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base


class Organization(Base):
    """A property owner. In a BID one patrol serves properties of several owners."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)


class Area(Base):
    """A residential area (bostadsområde), e.g. Södra Sofielund."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    city: Mapped[str] = mapped_column(sa.String(80), default="Malmö")
    # Where the morning's work orders go, and whom the guard calls at night.
    day_crew_emails: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    properties: Mapped[list[Property]] = relationship(
        back_populates="area", order_by="Property.name"
    )


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

    area: Mapped[Area] = relationship(back_populates="properties")
    organization: Mapped[Organization] = relationship()
    checkpoints: Mapped[list[Checkpoint]] = relationship(
        back_populates="property", order_by="Checkpoint.label"
    )

    __table_args__ = (sa.UniqueConstraint("area_id", "name", name="uq_properties_area_name"),)


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
    radius_m: Mapped[float] = mapped_column(default=50.0)

    @property
    def token_sha256(self) -> str:
        return token_sha256(self.token)

    # Declared after the @property above: the name shadows the builtin inside the class body.
    property: Mapped[Property] = relationship(back_populates="checkpoints")
