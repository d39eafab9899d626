"""Planned rounds: routes, their plan versions (schedule + ordered checkpoints), and the guard's
skips. Why versions and not snapshots: see `patrol.rounds.rules`."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow

SKIP_REASON_CODES = ("locked", "cordon", "unsafe", "blocked", "other")


class Route(Base):
    """A named walk through checkpoints of one area; what is walked and when lives in its
    plan versions (`Schedule`)."""

    __tablename__ = "routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # How long one round takes on foot, for the guard's "time left" and the admin's sanity.
    expected_minutes: Mapped[int] = mapped_column(default=30)
    # The current state, for the lists; what a night expects follows the version in force
    # (`Schedule.active`), so pausing a route never changes nights that have begun.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship("Area")
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="route", order_by="Schedule.valid_from"
    )

    __table_args__ = (sa.UniqueConstraint("area_id", "name", name="uq_routes_area_name"),)


class Schedule(Base):
    """One version of a route's plan, in force from the night `valid_from` until the next
    version: nights of the week, a window (may cross midnight), rounds per night or an
    interval, a tolerance, and the ordered checkpoints. Never changed once its first night has
    begun; a change is a new version."""

    __tablename__ = "route_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("routes.id"), index=True)
    valid_from: Mapped[date]
    # Evening weekdays the route is walked: 0 = Monday ... 6 = Sunday.
    weekdays: Mapped[list[int]] = mapped_column(sa.JSON)
    window_start: Mapped[time]
    window_end: Mapped[time]
    rounds_per_night: Mapped[int | None]
    interval_minutes: Mapped[int | None]
    tolerance_minutes: Mapped[int] = mapped_column(default=15)
    # False: the route is not walked from this night on (the route's `active` flag, versioned
    # like the rest of the plan so that pausing a route never erases what earlier nights expected).
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    route: Mapped[Route] = relationship(back_populates="schedules")
    checkpoints: Mapped[list[RouteCheckpoint]] = relationship(
        back_populates="schedule", order_by="RouteCheckpoint.position", cascade="all"
    )

    __table_args__ = (
        sa.UniqueConstraint("route_id", "valid_from", name="uq_route_schedules_route_valid_from"),
        sa.CheckConstraint(
            "(rounds_per_night IS NULL) <> (interval_minutes IS NULL)", name="rounds_or_interval"
        ),
    )


class RouteCheckpoint(Base):
    """A checkpoint's place in one plan version, with what the guard should do there."""

    __tablename__ = "route_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(sa.ForeignKey("route_schedules.id"), index=True)
    position: Mapped[int]
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"), index=True)
    instructions: Mapped[str | None] = mapped_column(sa.String(300))

    schedule: Mapped[Schedule] = relationship(back_populates="checkpoints")
    checkpoint = relationship("Checkpoint")

    __table_args__ = (
        sa.UniqueConstraint("schedule_id", "position", name="uq_route_checkpoints_position"),
    )


class RoundSkip(Base):
    """A guard's record that a checkpoint of a round could not be reached, and why. Sent like a
    check-in: the phone's UUID, an idempotent PUT, exactly once."""

    __tablename__ = "round_skips"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("routes.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"))
    reason_code: Mapped[str] = mapped_column(enum_column(*SKIP_REASON_CODES, name="skip_reason"))
    reason_text: Mapped[str | None] = mapped_column(sa.String(500))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    clock_offset_s: Mapped[float | None]

    shift = relationship("Shift")
    route = relationship("Route")
    checkpoint = relationship("Checkpoint")
