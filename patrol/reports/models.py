"""Reports (damage, disturbances, acute events) and their photos."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow

CATEGORIES = (
    "lighting",
    "door_lock",
    "window",
    "graffiti",
    "vandalism",
    "litter",
    "water_leak",
    "elevator",
    "disturbance",
    "intrusion",
    "fire_smoke",
    "other",
)
LEVELS = ("preventive", "disturbance", "acute")
REVIEW_STATUSES = ("new", "reviewed")
MAX_PHOTOS_PER_REPORT = 6


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("properties.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkpoints.id"))
    category: Mapped[str] = mapped_column(enum_column(*CATEGORIES, name="report_category"))
    level: Mapped[str] = mapped_column(enum_column(*LEVELS, name="report_level"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    # The photos the phone said it will send, as sorted UUID strings.
    photo_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    clock_offset_s: Mapped[float | None]
    review_status: Mapped[str] = mapped_column(
        enum_column(*REVIEW_STATUSES, name="review_status"), default="new", index=True
    )
    needs_repair: Mapped[bool] = mapped_column(default=False)

    @property
    def missing_photo_ids(self) -> list[str]:
        arrived = {str(photo.id) for photo in self.photos}
        return [pid for pid in self.photo_ids if pid not in arrived]

    @property
    def complete(self) -> bool:
        return not self.missing_photo_ids

    # Declared after the @properties above: `property` shadows the builtin in the class body.
    shift = relationship("Shift")
    property = relationship("Property")
    checkpoint = relationship("Checkpoint")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="report", order_by="Photo.received_at"
    )


class Photo(Base):
    __tablename__ = "photos"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    report_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    # SHA-256 (hex) of the bytes the phone sent: what Content-Digest promised.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    # None while the thumbnail is queued: it is made after the upload's answer, by the next
    # read of it or by `flask photos thumbnails` (patrol/reports/actions.py).
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(200))

    report: Mapped[Report] = relationship(back_populates="photos")


class PhotoBlob(Base):
    """A photo or thumbnail in the database photo store (PATROL_PHOTO_STORE=database)."""

    __tablename__ = "photo_blobs"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    # SHA-256 (hex) of `data`, which `photos move` verifies every copy by.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
