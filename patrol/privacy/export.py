"""Everything stored about one person, as a zip: `person.json` and the photo files (a subject
access request, architecture §2.5)."""

from __future__ import annotations

import json
import uuid
import zipfile
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from patrol.alarms.models import CheckinTimer, NoCoverage
from patrol.auth.models import LoginFailure, User, UserSession
from patrol.db import Base, db, utcnow
from patrol.drills.models import Drill
from patrol.handover.models import HandoverPhoto, HandoverRead
from patrol.push.models import Dispatch, DispatchResponse, PushSubscription, SosAlert
from patrol.reports.models import IncidentDetails, Photo, Report
from patrol.reports.storage import read_photo
from patrol.review.models import ReviewEvent, WorkOrder
from patrol.safety.models import ResidentInfoVisit, WalkCheck
from patrol.shifts.models import CheckIn, Shift

# Never handed out, not even to the person: a hash is of no use to them and of use to others.
SECRET_COLUMNS = {"password_hash", "p256dh", "auth"}


def row(obj: Base) -> dict:
    """A row's columns as JSON-ready values."""
    out = {}
    for column in obj.__table__.columns:
        if column.key in SECRET_COLUMNS:
            continue
        value = getattr(obj, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[column.key] = value
    return out


def all_of(query) -> list:
    return list(db.session.scalars(query))


def rows_of(query) -> list[dict]:
    return [row(obj) for obj in all_of(query)]


def person_data(user: User) -> tuple[dict, list[Photo | HandoverPhoto]]:
    shifts = all_of(sa.select(Shift).where(Shift.guard_id == user.id).order_by(Shift.started_at))
    shift_ids = [s.id for s in shifts]
    # Reports made on the person's shifts, and those they recorded on safety walks (no shift).
    reports = all_of(
        sa.select(Report)
        .where(sa.or_(Report.shift_id.in_(shift_ids), Report.author_id == user.id))
        .order_by(Report.occurred_at)
    )
    photos = all_of(sa.select(Photo).where(Photo.report_id.in_([r.id for r in reports])))
    # The photos of the person's hand-overs (their text is the shift's note, above).
    handover_photos = all_of(
        sa.select(HandoverPhoto)
        .where(HandoverPhoto.shift_id.in_(shift_ids))
        .order_by(HandoverPhoto.received_at)
    )
    data = {
        "exported_at": utcnow().isoformat(),
        "account": row(user),
        "shifts": [row(s) for s in shifts],
        "checkins": rows_of(
            sa.select(CheckIn).where(CheckIn.shift_id.in_(shift_ids)).order_by(CheckIn.occurred_at)
        ),
        "reports": [row(r) for r in reports],
        # Threat or violence incidents the person reported (injuries included: health data
        # about them or others they wrote down), and those they closed on the desk.
        "incidents": rows_of(
            sa.select(IncidentDetails)
            .where(IncidentDetails.report_id.in_([r.id for r in reports]))
            .order_by(IncidentDetails.received_at)
        ),
        "incidents_closed": rows_of(
            sa.select(IncidentDetails).where(IncidentDetails.closed_by_id == user.id)
        ),
        "alarm_drills": rows_of(
            sa.select(Drill)
            .where(sa.or_(Drill.guard_id == user.id, Drill.started_by_id == user.id))
            .order_by(Drill.sent_at)
        ),
        "photos": [row(p) | {"file": photo_file_name(p)} for p in photos],
        "handover_photos": [row(p) | {"file": photo_file_name(p)} for p in handover_photos],
        "handovers_read": rows_of(
            sa.select(HandoverRead)
            .where(HandoverRead.reader_id == user.id)
            .order_by(HandoverRead.read_at)
        ),
        "sos_alerts": rows_of(sa.select(SosAlert).where(SosAlert.guard_id == user.id)),
        # Alone at night: timers (with their positions) and "utan täckning" windows; the
        # shifts above carry the last time heard and the last heartbeat (only the last is kept).
        "checkin_timers": rows_of(
            sa.select(CheckinTimer)
            .where(CheckinTimer.guard_id == user.id)
            .order_by(CheckinTimer.started_at)
        ),
        "no_coverage": rows_of(
            sa.select(NoCoverage)
            .where(NoCoverage.guard_id == user.id)
            .order_by(NoCoverage.started_at)
        ),
        "extra_round_answers": rows_of(
            sa.select(DispatchResponse).where(DispatchResponse.guard_id == user.id)
        ),
        "extra_rounds_sent": rows_of(sa.select(Dispatch).where(Dispatch.created_by_id == user.id)),
        "review_actions": rows_of(sa.select(ReviewEvent).where(ReviewEvent.actor_id == user.id)),
        "work_orders_created": rows_of(
            sa.select(WorkOrder).where(WorkOrder.created_by_id == user.id)
        ),
        "work_orders_done": rows_of(sa.select(WorkOrder).where(WorkOrder.done_by_id == user.id)),
        "resident_info_visits": rows_of(
            sa.select(ResidentInfoVisit)
            .where(ResidentInfoVisit.guard_id == user.id)
            .order_by(ResidentInfoVisit.done_at)
        ),
        "safety_walk_checks": rows_of(
            sa.select(WalkCheck)
            .where(WalkCheck.recorded_by_id == user.id)
            .order_by(WalkCheck.occurred_at)
        ),
        "sos_acknowledged": rows_of(
            sa.select(SosAlert).where(SosAlert.acknowledged_by_id == user.id)
        ),
        # The devices logged in: when and with which browser. The session's id is its secret.
        "sessions": [
            {key: value for key, value in row(s).items() if key != "id"}
            for s in all_of(
                sa.select(UserSession)
                .where(UserSession.user_id == user.id)
                .order_by(UserSession.created_at)
            )
        ],
        "failed_logins": rows_of(
            sa.select(LoginFailure).where(LoginFailure.username == user.username.lower())
        ),
        "push_subscriptions": rows_of(
            sa.select(PushSubscription).where(PushSubscription.user_id == user.id)
        ),
    }
    return data, [*photos, *handover_photos]


def photo_file_name(photo: Photo | HandoverPhoto) -> str:
    return f"photos/{photo.id}{Path(photo.storage_key).suffix}"


def write_person_zip(user: User, path: Path) -> int:
    """Write the zip; returns how many photo files it holds."""
    data, photos = person_data(user)
    written = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", json.dumps(data, ensure_ascii=False, indent=2))
        for photo in photos:
            # From either store (files, or the database of several hosts; mid-move, both).
            data_bytes = read_photo(photo.storage_key)
            if data_bytes is not None:
                archive.writestr(photo_file_name(photo), data_bytes)
                written += 1
    return written
