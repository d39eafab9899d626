"""Shifts and check-ins: records the guard's phone creates, keyed by the phone's UUIDs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow

CHECKIN_METHODS = ("qr", "code", "nfc", "manual")
CHECKIN_FLAGS = (
    "manual",
    "out_of_radius",
    "no_location",
    "clock_skew",
    "implausible_time",
    # Scanned an old sticker whose token was replaced: accepted, never counted towards a round.
    "retired_token",
    "inactive_checkpoint",
    # At a property outside the guard's assigned areas (a guard helping out): accepted.
    "outside_area",
)


class Shift(Base):
    __tablename__ = "shifts"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The night the shift belongs to (architecture §5a): Stockholm date of started_at minus
    # 12 hours.
    night: Mapped[date] = mapped_column(sa.Date, index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    clock_offset_s: Mapped[float | None]
    # The area patrolled this shift (chosen at "Starta pass"; a guard with one area starts in
    # it). None for shifts stored before shifts had an area, and for a guard with several
    # areas whose phone did not say. The area's alarm limits and the hand-over follow it.
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    # When the server last received anything from this shift's phone (any write, a heartbeat),
    # and the last heartbeat (only the last is kept): the silence rule reads these.
    last_heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guard = relationship("User")
    area = relationship("Area")
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="shift", order_by="CheckIn.occurred_at"
    )

    __table_args__ = (
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
    )


class CheckIn(Base):
    __tablename__ = "checkins"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"), index=True)
    method: Mapped[str] = mapped_column(enum_column(*CHECKIN_METHODS, name="checkin_method"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    # Distance from the checkpoint in metres, when both positions are known.
    distance_m: Mapped[float | None]
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Server clock minus phone clock in seconds, stored when it exceeds the skew limit.
    clock_offset_s: Mapped[float | None]

    shift: Mapped[Shift] = relationship(back_populates="checkins")
    checkpoint = relationship("Checkpoint")

    __table_args__ = (
        # The purge's positions: only the check-ins that still hold one (years of purged
        # rows are not read again every morning).
        sa.Index(
            "ix_checkins_positions_received",
            "received_at",
            postgresql_where=sa.text("lat IS NOT NULL"),
            sqlite_where=sa.text("lat IS NOT NULL"),
        ),
    )


class DiscardedRecord(Base):
    """A record the guard chose to throw away on the phone after the server refused it (issue 10,
    point 5). The phone never drops anything silently: the discard itself is a record, so the
    supervisor sees what was lost, with the server's last answer and how many photos went
    with it. The shift is kept without a foreign key (the discarded record may be the shift's
    own start, which the server never got)."""

    __tablename__ = "discarded_records"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    # What it was: checkin, report, sos, shift, dispatch_response, ... and its own words.
    kind: Mapped[str] = mapped_column(sa.String(32))
    label: Mapped[str] = mapped_column(sa.String(300))
    # The URL it would have been PUT to (its UUID), and the server's last answer.
    record_url: Mapped[str] = mapped_column(sa.String(300))
    last_status: Mapped[int | None]
    last_message: Mapped[str | None] = mapped_column(sa.Text)
    # Entries that depended on it and were thrown away with it (a report's photos).
    dependent_count: Mapped[int] = mapped_column(default=0)
    photo_count: Mapped[int] = mapped_column(default=0)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    discarded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guard = relationship("User")
