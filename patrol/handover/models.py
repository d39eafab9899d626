"""The shift's hand-over ("Överlämning"): the photos the guard ending a shift adds to its note,
and each "Läst" by a guard of a later shift in the same area.

The hand-over's text is the shift's end-of-shift note (`shifts.note`): one text, written at
"Avsluta pass", shown in the shift log as before and handed to the next shift in the shift's
area (`shifts.area_id`)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, utcnow

# As many photos as a report may have.
MAX_PHOTOS_PER_HANDOVER = 6


class HandoverPhoto(Base):
    """A photo of a shift's hand-over, stored in the photo store as a report photo is."""

    __tablename__ = "handover_photos"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    # SHA-256 (hex) of the bytes the phone sent: what Content-Digest promised.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content_type: Mapped[str] = mapped_column(sa.String(32))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(200))

    shift = relationship("Shift")


class HandoverRead(Base):
    """A guard's "Läst" on a hand-over: a record of the phone (its UUID in the URL)."""

    __tablename__ = "handover_reads"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    # The shift whose hand-over was read.
    handover_shift_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    # The reader, and the shift they read it on (None: read before a shift was started).
    reader_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    handover_shift = relationship("Shift", foreign_keys=[handover_shift_id])
    reader = relationship("User")
