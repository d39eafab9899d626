"""The guard's lone-worker records: "Jag är OK" timers and "Utan täckning" windows.

The alarms themselves are SOS alerts of another kind (patrol.push.models.SosAlert, `kind`):
one lifecycle for every alarm, on the shift log, the night's PDF and the SOS CSV.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, utcnow

TIMER_MINUTES = (5, 60)
NO_COVERAGE_MINUTES = (10, 20, 30, 60)


class CheckinTimer(Base):
    """A timed check-in for a risky task ("Går in i trapphuset", 5-60 min). Extended by
    moving `due_at` on (the phone sends its new length from the extension's time), stopped by
    "Jag är OK". When it runs out unstopped the server raises a timer alarm (`alarm_id`)."""

    __tablename__ = "checkin_timers"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    task: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The length of the last start or extension, from `due_at - minutes`.
    minutes: Mapped[int]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last position the phone sent with the timer (a running timer may carry one).
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    alarm_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    guard = relationship("User")


class NoCoverage(Base):
    """ "Går in där det saknas täckning": 10, 20, 30 or 60 minutes in which the silence alarm
    waits; when it ends without a sign of life the alarm goes at once. Ended early by the
    guard (`ended_at`)."""

    __tablename__ = "no_coverage"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int]
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
