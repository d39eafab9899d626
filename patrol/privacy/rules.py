"""Retention: how long each kind of personal data is kept, and the purge that ends it.

Each kind has a period in days (`PATROL_RETENTION_<KIND>_DAYS`, defaults in patrol/config.py),
counted from when the server received the data:

- photos: the photo rows and their files in the photo store (the report keeps its text; the
  photo's id leaves its list, so it is not shown as "on its way"), the day crew's
  completion photos of work orders (the work order keeps its note and who closed it) and the
  photos of shifts' hand-overs;
- positions: lat/lon/accuracy (and the distance) of check-ins, reports, SOS alerts, answers
  to extra rounds, resident-information visits and safety-walk checks; the flags drawn from
  them stay;
- report_texts: the description of a report nobody approved (an approved report is the
  owner's record and keeps its text; its photos and positions follow their own periods; a
  threat or violence incident is the employer's record and keeps it too), and the text of a
  shift's hand-over (its end-of-shift note), whose photos are photos;
- login_records: failed logins;
- push_subscriptions: devices that have not received a notification in that time;
- injuries: what a threat or violence incident says of injuries (health data): emptied, and
  the time noted (`injuries_purged_at`); the incident and its follow-up stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from patrol.alarms.models import CheckinTimer
from patrol.auth.models import LoginFailure
from patrol.db import db, utcnow
from patrol.handover.models import HandoverPhoto
from patrol.owners.models import WorkOrderPhoto
from patrol.privacy.models import PurgeRun
from patrol.push.models import DispatchResponse, PushSubscription, SosAlert
from patrol.reports.models import IncidentDetails, Photo, Report
from patrol.reports.storage import photo_store
from patrol.safety.models import ResidentInfoVisit, WalkCheck
from patrol.schedule.rules import Job, at_stockholm
from patrol.shifts.models import CheckIn, Shift

KINDS = ("photos", "positions", "report_texts", "login_records", "push_subscriptions", "injuries")
# A "Jag är OK" timer carries the position the phone sent with it (for its alarm).
POSITION_MODELS = (
    CheckIn,
    Report,
    SosAlert,
    DispatchResponse,
    ResidentInfoVisit,
    WalkCheck,
    CheckinTimer,
)
# Every table holding photos (rows with storage keys; the database store's bytes go with them),
# with the column its age is counted from. tests/test_privacy_coverage.py checks against the
# models' metadata that no table with photo data or positions is left out.
PHOTO_MODELS = {
    Photo: Photo.received_at,
    WorkOrderPhoto: WorkOrderPhoto.uploaded_at,
    HandoverPhoto: HandoverPhoto.received_at,
}


def period(kind: str) -> timedelta:
    return timedelta(days=float(current_app.config[f"RETENTION_{kind.upper()}_DAYS"]))


@dataclass
class Outcome:
    kind: str
    older_than: datetime
    count: int


def _photos(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    photos = list(db.session.scalars(sa.select(Photo).where(Photo.received_at < cutoff)))
    if dry_run or not photos:
        return len(photos)
    # A thumbnail still queued (None) has no bytes to delete.
    keys = [key for photo in photos for key in (photo.storage_key, photo.thumbnail_key) if key]
    by_report: dict = {}
    for photo in photos:
        by_report.setdefault(photo.report_id, set()).add(str(photo.id))
        db.session.delete(photo)
    for report in db.session.scalars(sa.select(Report).where(Report.id.in_(by_report))):
        report.photo_ids = [p for p in report.photo_ids if p not in by_report[report.id]]
    files.extend(keys)  # deleted once the rows are gone for good (see purge)
    return len(photos)


def _work_order_photos(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    """The day crew's completion photos: the row and both files (the order stays done)."""
    photos = list(
        db.session.scalars(sa.select(WorkOrderPhoto).where(PHOTO_MODELS[WorkOrderPhoto] < cutoff))
    )
    if dry_run or not photos:
        return len(photos)
    for photo in photos:
        files.extend(key for key in (photo.storage_key, photo.thumbnail_key) if key)
        db.session.delete(photo)
    return len(photos)


def _handover_photos(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    """The photos of shifts' hand-overs: the row and both files (the text is the shift's note,
    which follows the report texts' period)."""
    photos = list(
        db.session.scalars(sa.select(HandoverPhoto).where(PHOTO_MODELS[HandoverPhoto] < cutoff))
    )
    if dry_run or not photos:
        return len(photos)
    for photo in photos:
        files.extend(key for key in (photo.storage_key, photo.thumbnail_key) if key)
        db.session.delete(photo)
    return len(photos)


def _all_photos(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    return (
        _photos(cutoff, dry_run, files)
        + _work_order_photos(cutoff, dry_run, files)
        + _handover_photos(cutoff, dry_run, files)
    )


def _positions(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    count = 0
    for model in POSITION_MODELS:
        where = sa.and_(model.received_at < cutoff, model.lat.is_not(None))
        count += db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))
        if not dry_run:
            values = {"lat": None, "lon": None, "accuracy_m": None}
            if model is CheckIn:
                values["distance_m"] = None
            db.session.execute(sa.update(model).where(where).values(**values))
    return count


def _report_texts(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    # An incident's text is "what happened", the employer's record of it (AFS 2023:2): kept.
    where = sa.and_(
        Report.received_at < cutoff,
        Report.review_status != "reviewed",
        Report.description != "",
        ~Report.is_incident,
    )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(where))
    if not dry_run:
        db.session.execute(sa.update(Report).where(where).values(description=""))
    # The hand-over's text (the end-of-shift note): counted from when the end arrived.
    notes = sa.and_(
        sa.func.coalesce(Shift.ended_received_at, Shift.received_at) < cutoff,
        Shift.note.is_not(None),
    )
    count += db.session.scalar(sa.select(sa.func.count()).select_from(Shift).where(notes))
    if not dry_run:
        db.session.execute(sa.update(Shift).where(notes).values(note=None))
    return count


def _injuries(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
    """Health data: the injuries of incidents received before the cutoff, emptied."""
    where = sa.and_(IncidentDetails.received_at < cutoff, IncidentDetails.injuries.is_not(None))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(IncidentDetails).where(where))
    if not dry_run:
        db.session.execute(
            sa.update(IncidentDetails)
            .where(where)
            .values(injuries=None, injuries_purged_at=utcnow())
        )
    return count


def _delete_where(model, condition) -> Callable[[datetime, bool, list[str]], int]:
    def purge(cutoff: datetime, dry_run: bool, files: list[str]) -> int:
        where = condition(cutoff)
        count = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))
        if not dry_run:
            db.session.execute(sa.delete(model).where(where))
        return count

    return purge


PURGES: dict[str, Callable[[datetime, bool, list[str]], int]] = {
    "injuries": _injuries,
    "photos": _all_photos,
    "positions": _positions,
    "report_texts": _report_texts,
    "login_records": _delete_where(LoginFailure, lambda cutoff: LoginFailure.at < cutoff),
    "push_subscriptions": _delete_where(
        PushSubscription,
        lambda cutoff: (
            sa.func.coalesce(PushSubscription.last_success_at, PushSubscription.created_at) < cutoff
        ),
    ),
}


def purge(dry_run: bool = False) -> list[Outcome]:
    """Apply every retention period now, in one transaction, and log the counts; then delete
    the purged photos' files (after the commit: a file without a row is harmless, a row
    without its file is not). With dry_run, count what would go and change nothing."""
    now = utcnow()
    outcomes = []
    files: list[str] = []
    for kind in KINDS:
        cutoff = now - period(kind)
        outcome = Outcome(kind, cutoff, PURGES[kind](cutoff, dry_run, files))
        outcomes.append(outcome)
        if not dry_run:
            db.session.add(PurgeRun(ran_at=now, kind=kind, older_than=cutoff, count=outcome.count))
    if dry_run:
        db.session.rollback()
        return outcomes
    db.session.commit()
    store = photo_store()
    for key in files:
        store.delete(key)
    return outcomes


# --- the daily run ----------------------------------------------------------------------------


def purge_due(night: date) -> datetime:
    """The morning after each night, once the night has been reviewed and handed to the day
    crew (PURGE_AT, Stockholm time)."""
    return at_stockholm(night + timedelta(days=1), current_app.config["PURGE_AT"])


def run_purge(_night: date, _key: str) -> str:
    outcomes = purge()
    return ", ".join(f"{outcome.kind}: {outcome.count}" for outcome in outcomes)


# Once a day across every host (the worker's claim): nobody has to remember a cron line. A
# worker that was down catches up the next time it starts; one missed morning is enough to
# look back, since every run applies the periods to everything up to now.
PURGE_JOB = Job(name="purge", due_at=purge_due, run=run_purge, look_back_nights=1)
