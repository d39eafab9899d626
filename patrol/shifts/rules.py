"""Shift rules the shift, check-in and report routes share (architecture §5a): whose shift it is,
whether a record falls within it, how a shift ends, which checkpoint a check-in names and what
the supervisor should notice about it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_login import current_user

from patrol.db import db, utcnow
from patrol.errors import ApiError, field_error
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Checkpoint
from patrol.sync import conflict, distance_m


def own_shift(shift_id: uuid.UUID, field: str = "shift_id") -> Shift:
    """The caller's shift: unknown -> 422, another user's -> 403."""
    shift = db.session.get(Shift, shift_id)
    if shift is None:
        raise field_error(field, gettext("Unknown shift. Send the shift first."))
    if shift.guard_id != current_user.id:
        raise ApiError(403, gettext("This shift belongs to another guard."))
    return shift


def check_within_shift(shift: Shift, occurred_at: datetime) -> None:
    """Records made after the shift ended (plus a grace period) are refused; records made
    during the shift are accepted however late they arrive."""
    if shift.ended_at is None:
        return
    if occurred_at > shift.ended_at + current_app.config["SHIFT_END_GRACE"]:
        raise field_error("occurred_at", gettext("The shift had already ended at that time."))


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


METHOD_FOR_REFERENCE = {
    "checkpoint_token": ("qr", "nfc"),
    "checkpoint_code": ("code",),
    "checkpoint_id": ("manual",),
}


def resolve_checkpoint(data: dict) -> Checkpoint:
    """The checkpoint named by the token, the typed code or the id (exactly one is given)."""
    if data["checkpoint_token"]:
        field, column, value = "checkpoint_token", Checkpoint.token, data["checkpoint_token"]
    elif data["checkpoint_code"]:
        field, column = "checkpoint_code", Checkpoint.short_code
        value = data["checkpoint_code"].strip().upper()
    else:
        field, column, value = "checkpoint_id", Checkpoint.id, data["checkpoint_id"]
    checkpoint = db.session.scalar(sa.select(Checkpoint).where(column == value))
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


def presence_flags(checkpoint: Checkpoint, data: dict) -> tuple[list[str], float | None]:
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
