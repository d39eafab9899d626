"""PUT/GET /api/v1/reports/<uuid> and its photos (architecture §5, §5a)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

from patrol.auth.roles import PATROL_ROLES
from patrol.db import db
from patrol.errors import ApiError, field_error
from patrol.openapi import documented
from patrol.reports.actions import complete_thumbnail
from patrol.reports.hooks import walk_night
from patrol.reports.images import clean_photo
from patrol.reports.models import IncidentDetails, Photo, Report
from patrol.reports.schemas import PhotoOut, ReportIn, ReportOut
from patrol.reports.storage import photo_response
from patrol.reports.uploads import PHOTO_REQUEST, checked_upload, store_photo
from patrol.security import require_owner_or_reviewer, roles_required
from patrol.shifts.models import Shift
from patrol.shifts.rules import check_within_shift, outside_assigned_areas, own_shift
from patrol.signals import report_created
from patrol.sites.models import Checkpoint, Property
from patrol.sync import clock_flags, json_body, put_record, time_flags

# Marshmallow schemas keep no per-call state: one instance each serves every request.
REPORT_IN_SCHEMA = ReportIn()
REPORT_OUT_SCHEMA = ReportOut()
PHOTO_OUT_SCHEMA = PhotoOut()

bp = Blueprint("reports", __name__)

REPORT_CONTENT_FIELDS = (
    "shift_id",
    "walk_id",
    "walk_item",
    "property_id",
    "checkpoint_id",
    "category",
    "level",
    "description",
    "occurred_at",
    "lat",
    "lon",
    "accuracy_m",
)


def report_content(values: dict) -> dict:
    content = {name: values.get(name) for name in REPORT_CONTENT_FIELDS}
    content["description"] = content["description"] or ""
    content["photo_ids"] = frozenset(str(p) for p in values.get("photo_ids") or ())
    content["incident"] = incident_content(values.get("incident"))
    return content


def incident_values(data: dict | None) -> dict | None:
    """An incident's details as stored (None: not an incident)."""
    if data is None:
        return None
    return {
        "exposed_roles": list(data["exposed_roles"]),
        "witness_roles": list(data.get("witness_roles") or ()),
        "injuries": data.get("injuries") or "",
        "police_report_number": data.get("police_report_number") or "",
    }


def incident_content(values: dict | None) -> dict | None:
    """An incident's details compared for "same content" (roles as sets). Injuries purged by
    their retention period compare as anything: the resend is of the same record."""
    if values is None:
        return None
    return {
        "exposed_roles": frozenset(values["exposed_roles"]),
        "witness_roles": frozenset(values["witness_roles"]),
        "police_report_number": values["police_report_number"],
    }


def stored_incident(report: Report) -> dict | None:
    incident = report.incident
    if incident is None:
        return None
    return {
        "exposed_roles": incident.exposed_roles,
        "witness_roles": incident.witness_roles,
        "police_report_number": incident.police_report_number,
    }


def readable_report(report_id: uuid.UUID) -> Report:
    """The report for its guard, supervisors and admins; 404 / 403 otherwise."""
    report = db.session.get(Report, report_id)
    if report is None:
        raise ApiError(404)
    require_owner_or_reviewer(report.owner_id)
    return report


@bp.put("/api/v1/reports/<uuid:report_id>")
@roles_required(*PATROL_ROLES)
@documented(request=ReportIn, responses={200: ReportOut, 201: ReportOut}, summary="Report")
def put_report(report_id: uuid.UUID):
    data = REPORT_IN_SCHEMA.load(json_body())
    prop = db.session.get(Property, data["property_id"])
    if prop is None:
        raise field_error("property_id", gettext("Unknown property."))
    if data["checkpoint_id"] is not None:
        checkpoint = db.session.get(Checkpoint, data["checkpoint_id"])
        if checkpoint is None or checkpoint.property_id != prop.id:
            raise field_error("checkpoint_id", gettext("This checkpoint is not in the property."))
    if data["shift_id"] is not None:
        shift = own_shift(data["shift_id"])
        check_within_shift(shift, data["occurred_at"])
        made_on = {"night": shift.night, "author_id": None}
        not_before = shift.started_at
    else:
        # A safety walk's finding (issue 14): no shift; its night is the walk's date, which
        # safety answers (patrol.reports.hooks).
        night = walk_night(data["walk_id"], data["walk_item"], prop)
        made_on = {"night": night, "author_id": current_user.id}
        not_before = None
    flags, offset = clock_flags()
    values = {name: data[name] for name in REPORT_CONTENT_FIELDS}
    values["description"] = values["description"] or ""
    values.update(
        photo_ids=sorted(str(p) for p in data["photo_ids"] or ()),
        flags=flags
        + time_flags(data["occurred_at"], not_before)
        + (["outside_area"] if outside_assigned_areas(current_user.id, prop.id) else []),
        clock_offset_s=offset,
        **made_on,
    )
    incident = incident_values(data.get("incident"))

    def created(report: Report) -> None:
        if incident is None:
            set_committed_value(report, "incident", None)  # known: no query for the answer
        else:
            report.incident = IncidentDetails(report_id=report.id, **incident)
            db.session.flush()
        report_was_created(report)

    report, status = put_record(
        Report,
        report_id,
        values,
        owner_id=lambda r: r.owner_id,
        content=lambda r: report_content(
            {n: getattr(r, n) for n in REPORT_CONTENT_FIELDS}
            | {"photo_ids": r.photo_ids, "incident": stored_incident(r)}
        ),
        wanted=report_content(values | {"incident": incident}),
        on_create=created,
    )
    return jsonify(REPORT_OUT_SCHEMA.dump(report)), status


def report_was_created(report: Report) -> None:
    """Inside the creating transaction: a new report has no photos yet (known without a
    query, for the answer's photo fields), and the features listening hear of it."""
    set_committed_value(report, "photos", [])
    report_created.send(report)


@bp.get("/api/v1/reports/<uuid:report_id>")
@roles_required(*PATROL_ROLES)
@documented(responses={200: ReportOut}, summary="A report, with the photos still missing")
def get_report(report_id: uuid.UUID):
    return jsonify(REPORT_OUT_SCHEMA.dump(readable_report(report_id)))


# --- photos --------------------------------------------------------------------------------

# The report's photo list and its guard, in one Core read (an upload needs nothing else).
# Whose report it is: the shift's guard, or whoever recorded a safety walk's finding (no shift).
REPORT_FOR_UPLOAD = (
    sa.select(
        Report.id,
        Report.photo_ids,
        sa.func.coalesce(Shift.guard_id, Report.author_id).label("owner_id"),
    )
    .outerjoin(Shift, Shift.id == Report.shift_id)
    .where(Report.id == sa.bindparam("report_id"))
)


@bp.put("/api/v1/reports/<uuid:report_id>/photos/<uuid:photo_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request_content=PHOTO_REQUEST,
    responses={200: PhotoOut, 201: PhotoOut},
    summary="Upload one photo of a report (raw bytes, Content-Digest: sha-256=:...:)",
)
def put_photo(report_id: uuid.UUID, photo_id: uuid.UUID):
    config = current_app.config
    report = db.session.execute(REPORT_FOR_UPLOAD, {"report_id": report_id}).first()
    if report is None:
        raise ApiError(404, gettext("The report has not arrived yet. Send the report first."))
    if report.owner_id != current_user.id:
        raise ApiError(403, gettext("This report belongs to another guard."))
    if str(photo_id) not in report.photo_ids:
        raise field_error("photo_id", gettext("This photo is not listed in the report."))
    body, sha256 = checked_upload()
    clean = clean_photo(
        body, max_pixels=config["MAX_PHOTO_PIXELS"], thumbnail_edge=config["THUMBNAIL_EDGE"]
    )
    photo, status = store_photo(
        Photo,
        {"id": photo_id, "report_id": report.id, "taken_at": clean.taken_at},
        stem=f"{report.id}/{photo_id}-{sha256[:16]}",
        clean=clean,
        sha256=sha256,
        # A JPEG kept byte for byte has its thumbnail made later (patrol/reports/actions.py).
        thumbnail=clean.thumbnail,
        same=lambda existing: existing.report_id == report.id and existing.sha256 == sha256,
    )
    return jsonify(PHOTO_OUT_SCHEMA.dump(photo)), status


@bp.get("/api/v1/reports/<uuid:report_id>/photos/<uuid:photo_id>")
@roles_required(*PATROL_ROLES)
@documented(responses={200: None}, summary="A photo (?size=thumb: the 320 px thumbnail)")
def get_photo(report_id: uuid.UUID, photo_id: uuid.UUID):
    report = readable_report(report_id)
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.report_id != report.id:
        raise ApiError(404)
    thumb = request.args.get("size") == "thumb"
    # A queued thumbnail is made by its first read (patrol/reports/actions.py).
    key = complete_thumbnail(photo) if thumb else photo.storage_key
    return photo_response(
        key,
        mimetype="image/jpeg" if thumb and key != photo.storage_key else photo.content_type,
        etag=f"{photo.sha256[:32]}{'-t' if thumb else ''}",
    )
