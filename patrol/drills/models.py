"""Alarm drills: a supervisor sends a drill to a guard on shift; the guard's phone shows
"Övningslarm" and the guard answers. Each drill keeps when it was sent, when the phone had it
(seen) and when the guard answered: the proof that the alarm routine is practised (AFS 2023:2).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, utcnow


class Drill(Base):
    __tablename__ = "drills"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    started_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The server's clock when the supervisor started it (the push went out in that transaction).
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The phone's clock when it showed the drill, and when the guard tapped "Jag är OK"; each
    # with the server's clock when that record arrived. The first record of each wins.
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guard = relationship("User", foreign_keys=[guard_id])
    started_by = relationship("User", foreign_keys=[started_by_id])
    shift = relationship("Shift")

    @property
    def answer_seconds(self) -> int | None:
        """From sent to answered, in whole seconds (the phone's tap against the server's send:
        a phone clock off by minutes shows here, and in the flags of its other records)."""
        if self.answered_at is None:
            return None
        return max(0, round((self.answered_at - self.sent_at).total_seconds()))
