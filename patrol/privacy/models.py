"""The purge log: what retention deleted, when (counts only, never the content)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from patrol.db import Base, UTCDateTime, utcnow


class PurgeRun(Base):
    """One kind of data purged by one run of `flask --app app purge`."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # What was older than this (received by the server before it) went.
    older_than: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int]
