"""Reports (damage, disturbances, acute events) and their photos."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow

ORDINARY_CATEGORIES = (
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
# A threat or violence against the guard or someone else ("Hot eller våld", issue 23 point 6):
# the employer's record under AFS 2023:2. Such a report is an *incident*: it carries the
# details below (IncidentDetails), is followed up on the desk (/review/incidents) and never
# reaches owners (not their portal, mails, month exports, tokens or webhooks). Whether a report
# is one is the guard's category, never a correction: `Report.is_incident`, in Python and SQL.
INCIDENT_CATEGORY = "threat_violence"
CATEGORIES = (*ORDINARY_CATEGORIES, INCIDENT_CATEGORY)
# Who was exposed, and who saw it: roles only, never names (the form offers nothing else).
INCIDENT_ROLES = ("guard", "resident", "visitor", "tradesperson", "staff", "other")
LEVELS = ("preventive", "disturbance", "acute")
REVIEW_STATUSES = ("new", "reviewed")
MAX_PHOTOS_PER_REPORT = 6


def _night_of_shift(context) -> date | None:
    """The default night of a report: its shift's night (every insert path, bulk included)."""
    from patrol.shifts.models import Shift

    shift_id = context.get_current_parameters().get("shift_id")
    if shift_id is None:
        return None
    return context.connection.scalar(sa.select(Shift.night).where(Shift.id == shift_id))


class Report(Base):
    """A guard's report. Made on a shift (`shift_id`), or on a safety walk (`walk_id`, the
    issue 14 walks: no shift, `author_id` says who recorded it). Either way it belongs to a
    `night`: the shift's night, or the walk's date."""

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    shift_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    walk_id: Mapped[int | None] = mapped_column(sa.ForeignKey("safety_walks.id"), index=True)
    # The walk's checklist item this shortcoming is about (None: a free finding or no walk).
    walk_item: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    night: Mapped[date] = mapped_column(sa.Date, index=True, default=_night_of_shift)
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

    __table_args__ = (
        sa.CheckConstraint("(shift_id IS NULL) <> (walk_id IS NULL)", name="shift_or_walk"),
        # A property's latest reports, in order, and its months (the owner's property page)
        # without reading the property's whole history (migration 0022).
        sa.Index("ix_reports_property_night_time", "property_id", "night", "occurred_at"),
        # The purge's positions: only the rows that still hold one (years of purged rows
        # are not read again every morning).
        sa.Index(
            "ix_reports_positions_received",
            "received_at",
            postgresql_where=sa.text("lat IS NOT NULL"),
            sqlite_where=sa.text("lat IS NOT NULL"),
        ),
    )

    @property
    def reporter(self):
        """Who recorded it: the shift's guard, or the walk's recorder."""
        return self.shift.guard if self.shift_id is not None else self.author

    @property
    def owner_id(self) -> int:
        return self.shift.guard_id if self.shift_id is not None else self.author_id

    @property
    def missing_photo_ids(self) -> list[str]:
        arrived = {str(photo.id) for photo in self.photos}
        return [pid for pid in self.photo_ids if pid not in arrived]

    @property
    def complete(self) -> bool:
        return not self.missing_photo_ids

    @hybrid_property
    def is_incident(self) -> bool:
        """A threat or violence incident: never shown to owners. In SQL too:
        `.where(~Report.is_incident)` is how every owner-facing query leaves them out."""
        return self.category == INCIDENT_CATEGORY

    # Declared after the @properties above: `property` shadows the builtin in the class body.
    shift = relationship("Shift")
    walk = relationship("SafetyWalk")
    author = relationship("User")
    property = relationship("Property")
    checkpoint = relationship("Checkpoint")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="report", order_by="Photo.received_at"
    )
    incident: Mapped[IncidentDetails | None] = relationship(back_populates="report")


class IncidentDetails(Base):
    """What the employer must document of a threat or violence incident (the report's
    description is "what happened"), and the supervisor's follow-up on the desk.

    `injuries` is health data with its own retention period (PATROL_RETENTION_INJURIES_DAYS):
    the purge empties it and sets `injuries_purged_at`. Exposed people and witnesses are roles
    (INCIDENT_ROLES), never names."""

    __tablename__ = "incident_details"

    report_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("reports.id"), primary_key=True)
    exposed_roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    witness_roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # "" = no injuries reported; None = purged (see injuries_purged_at).
    injuries: Mapped[str | None] = mapped_column(sa.Text, default="")
    injuries_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    police_report_number: Mapped[str] = mapped_column(sa.String(40), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The follow-up (the desk): the investigation, the measures, closed by whom and when.
    investigation: Mapped[str] = mapped_column(sa.Text, default="")
    measures: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    report: Mapped[Report] = relationship(back_populates="incident")
    closed_by = relationship("User")


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
    # Indexed for the purge, which takes the oldest photos a batch at a time.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
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
