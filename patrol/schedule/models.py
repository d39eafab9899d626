"""One row per run of a scheduled job: the claim that makes a job run once across hosts."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from patrol.db import Base, UTCDateTime, utcnow


class JobRun(Base):
    """A claimed run of `job` for `night` (and `key`, for a job that runs per route, per owner...).

    The unique constraint is the lock: two workers inserting the same (job, night, key) race on
    it, and exactly one wins. A run that never finished (its worker was killed) is claimed again
    after `STALE_CLAIM` by an atomic UPDATE, so nothing is left undone and nothing runs twice
    while its first worker is still alive.
    """

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64))
    night: Mapped[date]
    key: Mapped[str] = mapped_column(sa.String(64), default="")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str] = mapped_column(sa.String(80))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A line for the operator: what the run did, or the error that stopped it.
    outcome: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("job", "night", "key", name="uq_job_runs_job_night_key"),)


class WorkerBeat(Base):
    """The last time each worker process was alive (one row per process, updated every
    `BEAT_EVERY`): /readyz and the desk's status line say when no worker has run for a while,
    which would otherwise show only as alarms and mail that never went out."""

    __tablename__ = "worker_beats"

    worker: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
