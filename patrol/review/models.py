"""The supervisor's own records: review state of a report, work orders, and the audit trail.

The guard's report is evidence and is never rewritten: a supervisor's correction of category or
level lives in `ReportReview` beside it, and every review action is appended to `ReviewEvent`
(who, when, what changed, before and after). The core's `Report.review_status` ("new" /
"reviewed") and `Report.needs_repair` are kept in step so that other features can filter on them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow
from patrol.reports.models import LEVELS, ORDINARY_CATEGORIES

REVIEW_ACTIONS = ("approved", "corrected", "work_order_created", "work_order_done")
PRIORITIES = ("high", "normal", "low")
WORK_ORDER_STATUSES = ("open", "done")


class ReportReview(Base):
    """The supervisor's view of one report: approval comment and the corrected category/level.

    NULL in `category`/`level` means "the guard's value stands"."""

    __tablename__ = "report_reviews"

    report_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("reports.id"), primary_key=True
    )
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # What the property owner reads ("Text till fastighetsägaren"), apart from the internal
    # comment; the approve form prefills it with the guard's description (issue 13).
    owner_text: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category: Mapped[str | None] = mapped_column(
        enum_column(*ORDINARY_CATEGORIES, name="corrected_category")
    )
    level: Mapped[str | None] = mapped_column(enum_column(*LEVELS, name="corrected_level"))
    corrected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    corrected_by = relationship("User", foreign_keys=[corrected_by_id])


class WorkOrder(Base):
    """A repair for the day crew, made from a report the supervisor marked "needs repair"."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One work order per report: the same damage must not reach the day crew twice.
    report_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("reports.id"), unique=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("properties.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkpoints.id"))
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    what: Mapped[str] = mapped_column(sa.Text)
    priority: Mapped[str] = mapped_column(
        enum_column(*PRIORITIES, name="work_order_priority"), default="normal"
    )
    status: Mapped[str] = mapped_column(
        enum_column(*WORK_ORDER_STATUSES, name="work_order_status"), default="open", index=True
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    done_note: Mapped[str | None] = mapped_column(sa.Text)

    report = relationship("Report")
    property = relationship("Property")
    checkpoint = relationship("Checkpoint")
    created_by = relationship("User", foreign_keys=[created_by_id])
    done_by = relationship("User", foreign_keys=[done_by_id])


class ReviewEvent(Base):
    """Append-only audit trail of review actions. Rows are never updated or deleted (enforced
    below for the ORM; the app has no code path that changes them)."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(enum_column(*REVIEW_ACTIONS, name="review_action"))
    report_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.Uuid, sa.ForeignKey("reports.id"), index=True
    )
    work_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("work_orders.id"))
    # What changed: {"comment": ...} or {"category": [before, after], "level": [...]} etc.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User")
    report = relationship("Report")


@event.listens_for(ReviewEvent, "before_update")
@event.listens_for(ReviewEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"review event {target.id} is append-only")


class NightReview(Base):
    """One kept version of a night's record ("Natten granskad").

    The night's PDF is rendered when the supervisor marks the night reviewed, and its bytes
    are stored here with their SHA-256. Records that reach the server later (a phone that was
    in a basement all night) do not change a kept version: the supervisor reviews them and
    marks the night again, which keeps version N+1 beside version N. Later purges of photos or
    positions never change a kept version; before a night is marked, its PDF is built on
    request from the live rows."""

    __tablename__ = "night_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    night: Mapped[date] = mapped_column(sa.Date, index=True)
    # 1, 2, ...: the unique (night, version) settles two supervisors marking at once (the
    # second is refused, nothing is overwritten).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))

    reviewed_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("night", "version", name="uq_night_reviews_version"),)
