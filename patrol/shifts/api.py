"""PUT /api/v1/shifts/<uuid> and PUT /api/v1/checkins/<uuid> (DESIGN 5, 5a)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError, field_error
from patrol.openapi import documented
from patrol.security import require_owner_or_reviewer, roles_required
from patrol.shifts.models import CheckIn, Shift, night_of
from patrol.shifts.schemas import CheckInIn, CheckInOut, ShiftIn, ShiftOut
from patrol.sites.models import Checkpoint
from patrol.sync import clock_flags, conflict, distance_m, put_record

# Marshmallow schemas keep no per-call state: one instance each serves every request.
SHIFT_IN_SCHEMA = ShiftIn()
SHIFT_OUT_SCHEMA = ShiftOut()
CHECKIN_IN_SCHEMA = CheckInIn()
CHECKIN_OUT_SCHEMA = CheckInOut()

bp = Blueprint("shifts", __name__)


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, gettext("The body must be a JSON object."))
    return body


# The columns the hot path needs, read with Core (no ORM identity map or instance to build).
SHIFT_FOR_RECORD = sa.select(Shift.id, Shift.guard_id, Shift.ended_at)
CHECKPOINT_FOR_CHECKIN = sa.select(
    Checkpoint.id,
    Checkpoint.label,
    Checkpoint.property_id,
    Checkpoint.lat,
    Checkpoint.lon,
    Checkpoint.radius_m,
)


def own_shift(shift_id: uuid.UUID, field: str = "shift_id") -> sa.Row:
    """The caller's shift (id, guard_id, ended_at): unknown -> 422, another user's -> 403."""
    shift = db.session.execute(SHIFT_FOR_RECORD.where(Shift.id == shift_id)).first()
    if shift is None:
        raise field_error(field, gettext("Unknown shift. Send the shift first."))
    if shift.guard_id != current_user.id:
        raise ApiError(403, gettext("This shift belongs to another guard."))
    return shift


def check_within_shift(shift: Shift | sa.Row, occurred_at: datetime) -> None:
    """Records made after the shift ended (plus a grace period) are refused; records made
    during the shift are accepted however late they arrive."""
    if shift.ended_at is None:
        return
    if occurred_at > shift.ended_at + current_app.config["SHIFT_END_GRACE"]:
        raise field_error("occurred_at", gettext("The shift had already ended at that time."))


# --- shifts --------------------------------------------------------------------------------


def shift_content(started_at, ended_at, note) -> dict:
    return {"started_at": started_at, "ended_at": ended_at, "note": note or None}


@bp.put("/api/v1/shifts/<uuid:shift_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=ShiftIn,
    responses={200: ShiftOut, 201: ShiftOut},
    summary="Start (ended_at null), confirm, or end a shift",
)
def put_shift(shift_id: uuid.UUID):
    data = SHIFT_IN_SCHEMA.load(json_body())
    flags, offset = clock_flags()
    wanted = shift_content(data["started_at"], data["ended_at"], data["note"])
    values = {
        "guard_id": current_user.id,
        "started_at": data["started_at"],
        "ended_at": data["ended_at"],
        "ended_received_at": utcnow() if data["ended_at"] else None,
        "night": night_of(data["started_at"]),
        "note": data["note"] or None,
        "flags": flags,
        "clock_offset_s": offset,
    }

    def content(row: Shift) -> dict:
        return shift_content(row.started_at, row.ended_at, row.note)

    try:
        shift, status = put_record(
            Shift, shift_id, values, owner_id=lambda r: r.guard_id, content=content, wanted=wanted
        )
    except ApiError as error:
        if error.status != 409:
            raise
        shift, status = end_shift(shift_id, data)
    return jsonify(SHIFT_OUT_SCHEMA.dump(shift)), status


def end_shift(shift_id: uuid.UUID, data: dict) -> tuple[Shift, int]:
    """The one change allowed under a shift's UUID: from open to ended (note may change too).

    The row is locked so that two racing end requests cannot both apply."""
    shift = db.session.scalar(sa.select(Shift).where(Shift.id == shift_id).with_for_update())
    if (
        shift is None
        or shift.ended_at is not None
        or data["ended_at"] is None
        or shift.started_at != data["started_at"]
    ):
        db.session.rollback()
        raise conflict()
    late = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .where(
            CheckIn.shift_id == shift.id,
            CheckIn.occurred_at > data["ended_at"] + current_app.config["SHIFT_END_GRACE"],
        )
    )
    if late:
        db.session.rollback()
        raise field_error("ended_at", gettext("Check-ins were recorded after this end time."))
    shift.ended_at = data["ended_at"]
    shift.ended_received_at = utcnow()
    shift.note = data["note"] or None
    db.session.commit()
    return shift, 200


@bp.get("/api/v1/shifts/<uuid:shift_id>")
@roles_required(*PATROL_ROLES)
@documented(responses={200: ShiftOut}, summary="One shift (its guard, supervisors, admins)")
def get_shift(shift_id: uuid.UUID):
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise ApiError(404)
    require_owner_or_reviewer(shift.guard_id)
    return jsonify(SHIFT_OUT_SCHEMA.dump(shift))


# --- check-ins -----------------------------------------------------------------------------

METHOD_FOR_REFERENCE = {
    "checkpoint_token": ("qr", "nfc"),
    "checkpoint_code": ("code",),
    "checkpoint_id": ("manual",),
}


def resolve_checkpoint(data: dict) -> sa.Row:
    """The checkpoint named by the token, the typed code or the id (exactly one is given):
    its id, label, property_id, lat, lon and radius_m."""
    if data["checkpoint_token"]:
        field, column, value = "checkpoint_token", Checkpoint.token, data["checkpoint_token"]
    elif data["checkpoint_code"]:
        field, column = "checkpoint_code", Checkpoint.short_code
        value = data["checkpoint_code"].strip().upper()
    else:
        field, column, value = "checkpoint_id", Checkpoint.id, data["checkpoint_id"]
    checkpoint = db.session.execute(CHECKPOINT_FOR_CHECKIN.where(column == value)).first()
    if checkpoint is None:
        messages = {
            "checkpoint_token": gettext("Unknown checkpoint code (QR/NFC)."),
            "checkpoint_code": gettext("Unknown code. Check the code printed under the QR code."),
            "checkpoint_id": gettext("Unknown checkpoint."),
        }
        raise field_error(field, messages[field])
    if data["method"] not in METHOD_FOR_REFERENCE[field]:
        raise field_error(
            "method",
            gettext(
                "Method %(method)s does not go with %(field)s.", method=data["method"], field=field
            ),
        )
    return checkpoint


CHECKIN_CONTENT_FIELDS = ("method", "occurred_at", "lat", "lon", "accuracy_m")


def checkin_content(shift_id, checkpoint_id, data: dict) -> dict:
    return {
        "shift_id": shift_id,
        "checkpoint_id": checkpoint_id,
        "method": data["method"],
        "occurred_at": data["occurred_at"],
        "lat": data["lat"],
        "lon": data["lon"],
        "accuracy_m": data["accuracy_m"],
    }


def presence_flags(checkpoint: sa.Row, data: dict) -> tuple[list[str], float | None]:
    """Flags for the supervisor (never a refusal): manual choice, no position, out of radius."""
    flags = []
    if data["method"] == "manual":
        flags.append("manual")
    distance = None
    if data["lat"] is None:
        flags.append("no_location")
    elif checkpoint.lat is not None and checkpoint.lon is not None:
        distance = round(distance_m(data["lat"], data["lon"], checkpoint.lat, checkpoint.lon), 1)
        if distance - (data["accuracy_m"] or 0) > checkpoint.radius_m:
            flags.append("out_of_radius")
    return flags, distance


@bp.put("/api/v1/checkins/<uuid:checkin_id>")
@roles_required(*PATROL_ROLES)
@documented(request=CheckInIn, responses={200: CheckInOut, 201: CheckInOut}, summary="Check in")
def put_checkin(checkin_id: uuid.UUID):
    data = CHECKIN_IN_SCHEMA.load(json_body())
    shift = own_shift(data["shift_id"])
    checkpoint = resolve_checkpoint(data)
    check_within_shift(shift, data["occurred_at"])
    flags, distance = presence_flags(checkpoint, data)
    skew, offset = clock_flags()
    values = {
        "shift_id": shift.id,
        "checkpoint_id": checkpoint.id,
        "method": data["method"],
        "occurred_at": data["occurred_at"],
        "lat": data["lat"],
        "lon": data["lon"],
        "accuracy_m": data["accuracy_m"],
        "distance_m": distance,
        "flags": flags + skew,
        "clock_offset_s": offset,
    }
    checkin, status = put_record(
        CheckIn,
        checkin_id,
        values,
        owner_id=lambda r: r.shift.guard_id,
        content=lambda r: checkin_content(
            r.shift_id, r.checkpoint_id, {k: getattr(r, k) for k in CHECKIN_CONTENT_FIELDS}
        ),
        wanted=checkin_content(shift.id, checkpoint.id, data),
    )
    if status == 201:
        # The new row is transient (never loaded): the answer names the checkpoint read above.
        return jsonify(CHECKIN_OUT_SCHEMA.dump(checkin) | checkpoint_names(checkpoint)), status
    return jsonify(CHECKIN_OUT_SCHEMA.dump(checkin)), status


def checkpoint_names(checkpoint: sa.Row) -> dict:
    return {"checkpoint_label": checkpoint.label, "property_id": checkpoint.property_id}
