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


# Rows per transaction: each batch is its own short transaction, so the purge of a year never
# holds a lock on a table the phones write to (sync) for longer than one batch takes.
BATCH = 2000

# Called after each committed batch with (kind, rows in the batch).
OnBatch = Callable[[str, int], None]


class Batches:
    """Runs one kind's purge a batch at a time: `ids` selects up to `size` rows still to go
    (by their state, so a purge that stopped half-way resumes where it was), `apply` changes
    or deletes them and returns the photo store keys to delete once they are gone for good.
    Each batch commits before the next is chosen."""

    def __init__(self, kind: str, size: int, on_batch: OnBatch | None):
        self.kind, self.size, self.on_batch = kind, size, on_batch

    def run(self, ids: sa.Select, apply: Callable[[list], list[str]]) -> int:
        total, previous = 0, None
        store = photo_store()
        while True:
            batch = list(db.session.scalars(ids.limit(self.size)))
            if not batch:
                return total
            if batch == previous:  # a batch that changed nothing would loop for ever
                raise RuntimeError(f"purge of {self.kind} made no progress")
            keys = apply(batch)
            db.session.commit()
            # Files after the rows are gone for good: a file without a row is harmless, a row
            # without its file is not. The database store's deletes commit on their own.
            for key in keys:
                store.delete(key)
            db.session.commit()
            total += len(batch)
            previous = batch
            if self.on_batch is not None:
                self.on_batch(self.kind, len(batch))


def _photos(cutoff: datetime, batches: Batches | None) -> int:
    where = Photo.received_at < cutoff
    if batches is None:
        return db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(where))

    def apply(ids: list) -> list[str]:
        photos = list(db.session.scalars(sa.select(Photo).where(Photo.id.in_(ids))))
        # A thumbnail still queued (None) has no bytes to delete.
        keys = [key for photo in photos for key in (photo.storage_key, photo.thumbnail_key) if key]
        by_report: dict = {}
        for photo in photos:
            by_report.setdefault(photo.report_id, set()).add(str(photo.id))
        db.session.execute(sa.delete(Photo).where(Photo.id.in_(ids)))
        for report in db.session.scalars(sa.select(Report).where(Report.id.in_(by_report))):
            report.photo_ids = [p for p in report.photo_ids if p not in by_report[report.id]]
        return keys

    return batches.run(sa.select(Photo.id).where(where).order_by(Photo.received_at), apply)


def _work_order_photos(cutoff: datetime, batches: Batches | None) -> int:
    """The day crew's completion photos: the row and both files (the order stays done)."""
    where = PHOTO_MODELS[WorkOrderPhoto] < cutoff
    if batches is None:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(WorkOrderPhoto).where(where)
        )

    def apply(ids: list) -> list[str]:
        photos = list(
            db.session.scalars(
                sa.select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id.in_(ids))
            )
        )
        keys = [key for photo in photos for key in (photo.storage_key, photo.thumbnail_key) if key]
        db.session.execute(sa.delete(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id.in_(ids)))
        return keys

    return batches.run(sa.select(WorkOrderPhoto.work_order_id).where(where), apply)


def _handover_photos(cutoff: datetime, batches: Batches | None) -> int:
    """The photos of shifts' hand-overs: the row and both files (the text is the shift's note,
    which follows the report texts' period)."""
    where = PHOTO_MODELS[HandoverPhoto] < cutoff
    if batches is None:
        return db.session.scalar(sa.select(sa.func.count()).select_from(HandoverPhoto).where(where))

    def apply(ids: list) -> list[str]:
        photos = list(db.session.scalars(sa.select(HandoverPhoto).where(HandoverPhoto.id.in_(ids))))
        keys = [key for photo in photos for key in (photo.storage_key, photo.thumbnail_key) if key]
        db.session.execute(sa.delete(HandoverPhoto).where(HandoverPhoto.id.in_(ids)))
        return keys

    return batches.run(sa.select(HandoverPhoto.id).where(where), apply)


def _all_photos(cutoff: datetime, batches: Batches | None) -> int:
    return (
        _photos(cutoff, batches)
        + _work_order_photos(cutoff, batches)
        + _handover_photos(cutoff, batches)
    )


def _positions(cutoff: datetime, batches: Batches | None) -> int:
    count = 0
    for model in POSITION_MODELS:
        where = sa.and_(model.received_at < cutoff, model.lat.is_not(None))
        if batches is None:
            count += db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))
            continue
        values = {"lat": None, "lon": None, "accuracy_m": None}
        if model is CheckIn:
            values["distance_m"] = None

        def apply(ids: list, model=model, values=values) -> list[str]:
            db.session.execute(sa.update(model).where(model.id.in_(ids)).values(**values))
            return []

        count += batches.run(sa.select(model.id).where(where), apply)
    return count


def _report_texts(cutoff: datetime, batches: Batches | None) -> int:
    # An incident's text is "what happened", the employer's record of it (AFS 2023:2): kept.
    where = sa.and_(
        Report.received_at < cutoff,
        Report.review_status != "reviewed",
        Report.description != "",
        ~Report.is_incident,
    )
    # The hand-over's text (the end-of-shift note): counted from when the end arrived.
    notes = sa.and_(
        sa.func.coalesce(Shift.ended_received_at, Shift.received_at) < cutoff,
        Shift.note.is_not(None),
    )
    if batches is None:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Report).where(where)
        ) + db.session.scalar(sa.select(sa.func.count()).select_from(Shift).where(notes))

    def apply(ids: list) -> list[str]:
        db.session.execute(sa.update(Report).where(Report.id.in_(ids)).values(description=""))
        return []

    def apply_notes(ids: list) -> list[str]:
        db.session.execute(sa.update(Shift).where(Shift.id.in_(ids)).values(note=None))
        return []

    return batches.run(sa.select(Report.id).where(where), apply) + batches.run(
        sa.select(Shift.id).where(notes), apply_notes
    )


def _injuries(cutoff: datetime, batches: Batches | None) -> int:
    """Health data: the injuries of incidents received before the cutoff, emptied."""
    where = sa.and_(IncidentDetails.received_at < cutoff, IncidentDetails.injuries.is_not(None))
    if batches is None:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(IncidentDetails).where(where)
        )

    def apply(ids: list) -> list[str]:
        db.session.execute(
            sa.update(IncidentDetails)
            .where(IncidentDetails.report_id.in_(ids))
            .values(injuries=None, injuries_purged_at=utcnow())
        )
        return []

    return batches.run(sa.select(IncidentDetails.report_id).where(where), apply)


def _delete_where(model, key, condition) -> Callable[[datetime, Batches | None], int]:
    def purge(cutoff: datetime, batches: Batches | None) -> int:
        where = condition(cutoff)
        if batches is None:
            return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where))

        def apply(ids: list) -> list[str]:
            db.session.execute(sa.delete(model).where(key.in_(ids)))
            return []

        return batches.run(sa.select(key).where(where), apply)

    return purge


PURGES: dict[str, Callable[[datetime, Batches | None], int]] = {
    "injuries": _injuries,
    "photos": _all_photos,
    "positions": _positions,
    "report_texts": _report_texts,
    "login_records": _delete_where(
        LoginFailure, LoginFailure.id, lambda cutoff: LoginFailure.at < cutoff
    ),
    "push_subscriptions": _delete_where(
        PushSubscription,
        PushSubscription.id,
        lambda cutoff: (
            sa.func.coalesce(PushSubscription.last_success_at, PushSubscription.created_at) < cutoff
        ),
    ),
}


def purge(
    dry_run: bool = False, *, batch_size: int = BATCH, on_batch: OnBatch | None = None
) -> list[Outcome]:
    """Apply every retention period now and log the counts (one purge_runs row per kind).

    The work goes in batches of `batch_size` rows, each its own transaction: a year of
    positions never locks the check-ins the phones are syncing for longer than a batch. A
    purge that stops half-way (a crash, a deploy) leaves whole batches done and nothing half
    done; the next run selects what is still due and goes on from there. Photo files are
    deleted after their batch commits. With dry_run, count what would go and change nothing."""
    now = utcnow()
    db.session.commit()  # nothing of the caller's rides along in the first batch
    outcomes = []
    for kind in KINDS:
        cutoff = now - period(kind)
        batches = None if dry_run else Batches(kind, batch_size, on_batch)
        outcome = Outcome(kind, cutoff, PURGES[kind](cutoff, batches))
        outcomes.append(outcome)
        if not dry_run:
            db.session.add(PurgeRun(ran_at=now, kind=kind, older_than=cutoff, count=outcome.count))
            db.session.commit()
    if dry_run:
        db.session.rollback()
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
