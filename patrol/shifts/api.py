"""PUT /api/v1/shifts/<uuid> and PUT /api/v1/checkins/<uuid> (architecture §5, §5a)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.nights import night_of
from patrol.openapi import documented
from patrol.security import require_owner_or_reviewer, roles_required
from patrol.shifts.models import CheckIn, DiscardedRecord, Shift
from patrol.shifts.rules import (
    check_within_shift,
    checkpoint_outside_areas,
    end_shift,
    own_shift_and_checkpoint,
    presence_flags,
    resolve_checkpoint,
    shift_area,
)
from patrol.shifts.schemas import (
    CheckInIn,
    CheckInOut,
    CheckpointLookupIn,
    CheckpointLookupOut,
    DiscardIn,
    DiscardOut,
    ShiftIn,
    ShiftOut,
)
from patrol.sites.models import Checkpoint
from patrol.sync import clock_flags, json_body, put_record, time_flags

# Marshmallow schemas keep no per-call state: one instance each serves every request.
SHIFT_IN_SCHEMA = ShiftIn()
SHIFT_OUT_SCHEMA = ShiftOut()
CHECKIN_IN_SCHEMA = CheckInIn()
CHECKIN_OUT_SCHEMA = CheckInOut()
LOOKUP_IN_SCHEMA = CheckpointLookupIn()
LOOKUP_OUT_SCHEMA = CheckpointLookupOut()
DISCARD_IN_SCHEMA = DiscardIn()
DISCARD_OUT_SCHEMA = DiscardOut()
DISCARD_FIELDS = tuple(DiscardIn().fields)

bp = Blueprint("shifts", __name__)


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
        "flags": flags + time_flags(data["started_at"]),
        "clock_offset_s": offset,
        "area_id": shift_area(shift_id, data["area_id"]),
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


@bp.put("/api/v1/checkins/<uuid:checkin_id>")
@roles_required(*PATROL_ROLES)
@documented(request=CheckInIn, responses={200: CheckInOut, 201: CheckInOut}, summary="Check in")
def put_checkin(checkin_id: uuid.UUID):
    data = CHECKIN_IN_SCHEMA.load(json_body())
    shift, checkpoint, naming_flags = own_shift_and_checkpoint(data)
    check_within_shift(shift, data["occurred_at"])
    flags, distance = presence_flags(checkpoint, data)
    outside = checkpoint_outside_areas(checkpoint)
    flags = naming_flags + flags + (["outside_area"] if outside else [])
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
        "flags": flags + skew + time_flags(data["occurred_at"], shift.started_at),
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
    if "outside_area" in checkin.flags:
        # Accepted and flagged; the answer names no place outside the guard's areas.
        unnamed = {"checkpoint_label": None, "property_id": None}
        return jsonify(CHECKIN_OUT_SCHEMA.dump(checkin) | unnamed), status
    if status == 201:
        # The new row is transient (never loaded): the answer names the checkpoint read above.
        return jsonify(CHECKIN_OUT_SCHEMA.dump(checkin) | checkpoint_names(checkpoint)), status
    return jsonify(CHECKIN_OUT_SCHEMA.dump(checkin)), status


@bp.post("/api/v1/checkpoint-lookups")
@roles_required(*PATROL_ROLES)
@documented(
    request=CheckpointLookupIn,
    responses={200: CheckpointLookupOut},
    summary="Which checkpoint a typed code or a QR/NFC token names (stores nothing)",
)
def lookup_checkpoint():
    """Lets the phone say "Okänd kod" at once while online, before it saves a check-in that the
    server would refuse. It tells a guard no more than a check-in's 422 already does."""
    data = LOOKUP_IN_SCHEMA.load(json_body())
    method = "qr" if data["checkpoint_token"] else "code"
    found, _flags = resolve_checkpoint(data | {"checkpoint_id": None, "method": method})
    if checkpoint_outside_areas(found):
        # Another area's checkpoint: the code is real, and that is all the phone learns.
        return jsonify({"valid": True})
    return jsonify(LOOKUP_OUT_SCHEMA.dump(db.session.get(Checkpoint, found.id)))


@bp.put("/api/v1/discards/<uuid:discard_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=DiscardIn,
    responses={200: DiscardOut, 201: DiscardOut},
    summary="A record the guard threw away on the phone (never silent)",
)
def put_discard(discard_id: uuid.UUID):
    values = DISCARD_IN_SCHEMA.load(json_body())
    if values["shift_id"] is not None:
        shift = db.session.get(Shift, values["shift_id"])
        if shift is not None and shift.guard_id != current_user.id:
            values["shift_id"] = None  # keep the discard, never link it to another's shift
    row, status = put_record(
        DiscardedRecord,
        discard_id,
        values | {"guard_id": current_user.id},
        owner_id=lambda r: r.guard_id,
        content=lambda r: {name: getattr(r, name) for name in DISCARD_FIELDS},
        wanted=values,
    )
    return jsonify(DISCARD_OUT_SCHEMA.dump(row)), status


def checkpoint_names(checkpoint: sa.Row) -> dict:
    return {"checkpoint_label": checkpoint.label, "property_id": checkpoint.property_id}
