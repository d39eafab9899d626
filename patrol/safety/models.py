"""The safety work around the patrol (issue 14): repeated disturbances linked into cases, and
resident information after a serious event (what is planned, what the guards did)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patrol.db import Base, UTCDateTime, enum_column, utcnow

# --- repeated disturbances ------------------------------------------------------------------

CASE_STATUSES = ("open", "closed")


class DisturbanceCase(Base):
    """Disturbance reports at one place (a property, or one checkpoint of it) linked together
    until a supervisor closes the case with an outcome. Holds no resident names."""

    __tablename__ = "disturbance_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("properties.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkpoints.id"))
    # "<property>:<checkpoint or ->" while the case is open, NULL once closed: the unique key
    # keeps one open case per place even when two reports from there arrive at the same time.
    open_place: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    status: Mapped[str] = mapped_column(
        enum_column(*CASE_STATUSES, name="case_status"), default="open", index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(sa.Text)

    property = relationship("Property")
    checkpoint = relationship("Checkpoint")
    closed_by = relationship("User")
    links: Mapped[list[CaseReport]] = relationship(back_populates="case")


class CaseReport(Base):
    """One report in a case, with the supervisor's judgement: confirmed (True), unconfirmed
    (False) or not judged yet (None)."""

    __tablename__ = "case_reports"

    report_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("reports.id"), primary_key=True
    )
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("disturbance_cases.id"), index=True)
    night: Mapped[date] = mapped_column(sa.Date, index=True)
    confirmed: Mapped[bool | None]
    judged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[DisturbanceCase] = relationship(back_populates="links")
    report = relationship("Report")
    judged_by = relationship("User")


# --- resident information -------------------------------------------------------------------

RESIDENT_INFO_METHODS = ("notice", "letter", "door_knocking")


class ResidentInfoPlan(Base):
    """How residents are told after a serious event: which entrances, and how. Made by a
    supervisor from an acute report or an extra round."""

    __tablename__ = "resident_info_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("reports.id"), index=True)
    dispatch_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("dispatches.id"), index=True
    )
    # The night of the event: the plan shows on Natten of that night.
    night: Mapped[date] = mapped_column(sa.Date, index=True)
    methods: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # What the guards tell the residents (no resident names).
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report = relationship("Report")
    dispatch = relationship("Dispatch")
    created_by = relationship("User")
    entrances: Mapped[list[ResidentInfoEntrance]] = relationship(
        back_populates="plan", order_by="ResidentInfoEntrance.position"
    )


class ResidentInfoEntrance(Base):
    """One entrance (a checkpoint) or a whole address (a property) in a plan."""

    __tablename__ = "resident_info_entrances"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_info_plans.id"), index=True)
    property_id: Mapped[int] = mapped_column(sa.ForeignKey("properties.id"), index=True)
    checkpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checkpoints.id"))
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[ResidentInfoPlan] = relationship(back_populates="entrances")
    property = relationship("Property")
    checkpoint = relationship("Checkpoint")
    visits: Mapped[list[ResidentInfoVisit]] = relationship(
        back_populates="entrance", order_by="ResidentInfoVisit.done_at"
    )


class ResidentInfoVisit(Base):
    """A guard's record that an entrance was done, synced like any record (the phone's UUID,
    idempotent PUT): "Anslag uppsatt", "12 dörrar knackade, 5 svarade"."""

    __tablename__ = "resident_info_visits"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    entrance_id: Mapped[int] = mapped_column(
        sa.ForeignKey("resident_info_entrances.id"), index=True
    )
    guard_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_posted: Mapped[bool] = mapped_column(default=False)
    letters_delivered: Mapped[bool] = mapped_column(default=False)
    doors_knocked: Mapped[int | None]
    doors_answered: Mapped[int | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    clock_offset_s: Mapped[float | None]

    entrance: Mapped[ResidentInfoEntrance] = relationship(back_populates="visits")
    guard = relationship("User")


# --- safety walks -----------------------------------------------------------------------------

CHECK_RESULTS = ("ok",)


class ChecklistTemplate(Base):
    """A safety walk's checklist ("Belysning fungerar", "Buskage klippt", ...), kept by admins."""

    __tablename__ = "checklist_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    items: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SafetyWalk(Base):
    """A trygghetsvandring: an area walked on a date with the residents, owners, the city and
    the police. The checklist is copied in when the walk is planned, so a later change to the
    template never changes a walk. Participants are organisations and roles, not names."""

    __tablename__ = "safety_walks"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    walk_date: Mapped[date] = mapped_column(sa.Date, index=True)
    participants: Mapped[str] = mapped_column(sa.Text, default="")
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checklist_templates.id"))
    items: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area = relationship("Area")
    template = relationship("ChecklistTemplate")
    created_by = relationship("User")
    checks: Mapped[list[WalkCheck]] = relationship(back_populates="walk", order_by="WalkCheck.item")


class WalkCheck(Base):
    """A checklist item found in order ("OK") on a walk, recorded on the phone and synced like
    any record. A shortcoming is not a check: it is a Report with this walk and item."""

    __tablename__ = "walk_checks"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    walk_id: Mapped[int] = mapped_column(sa.ForeignKey("safety_walks.id"), index=True)
    item: Mapped[int]
    result: Mapped[str] = mapped_column(enum_column(*CHECK_RESULTS, name="walk_check_result"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    clock_offset_s: Mapped[float | None]

    walk: Mapped[SafetyWalk] = relationship(back_populates="checks")
    recorded_by = relationship("User")
