"""Shift rules the shift, check-in and report routes share (architecture §5a): whose shift it is,
whether a record falls within it, how a shift ends, which checkpoint a check-in names and what
the supervisor should notice about it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.models import user_areas
from patrol.db import db, utcnow
from patrol.errors import ApiError, field_error
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Area, Checkpoint, Property, RetiredToken
from patrol.sync import conflict, distance_m

# The columns the hot path needs, read with Core (no ORM identity map or instance to build).
# Each statement is built once, with bound parameters: SQLAlchemy memoizes a statement
# object's cache key, so executing the same object again skips rebuilding the expression and
# hashing it (with `.where(column == value)` per request, that was a tenth of a check-in).
SHIFT_FOR_RECORD = sa.select(
    Shift.id, Shift.guard_id, Shift.night, Shift.started_at, Shift.ended_at
).where(Shift.id == sa.bindparam("shift_id"))
# The user's areas (how many, and whether the checkpoint's property lies in one of them) come
# with the checkpoint's row, as two scalar subqueries: one SELECT per check-in instead of two.
_USER_AREAS = user_areas.c.user_id == sa.bindparam("user_id")
_CHECKPOINT_COLUMNS = (
    Checkpoint.id,
    Checkpoint.label,
    Checkpoint.property_id,
    Checkpoint.lat,
    Checkpoint.lon,
    Checkpoint.radius_m,
    Checkpoint.active,
    sa.select(sa.func.count())
    .select_from(user_areas)
    .where(_USER_AREAS)
    .scalar_subquery()
    .label("assigned_areas"),
    sa.select(sa.func.count())
    .select_from(user_areas)
    .where(
        _USER_AREAS,
        user_areas.c.area_id
        == sa.select(Property.area_id)
        .where(Property.id == Checkpoint.property_id)
        .correlate(Checkpoint)
        .scalar_subquery(),
    )
    .correlate(Checkpoint)
    .scalar_subquery()
    .label("inside_areas"),
)
CHECKPOINT_COLUMNS = sa.select(*_CHECKPOINT_COLUMNS)
_CHECKPOINT_WHERE = {
    "checkpoint_token": Checkpoint.token == sa.bindparam("value"),
    "checkpoint_code": Checkpoint.short_code == sa.bindparam("value"),
    "checkpoint_id": Checkpoint.id == sa.bindparam("value"),
}
CHECKPOINT_BY = {field: CHECKPOINT_COLUMNS.where(on) for field, on in _CHECKPOINT_WHERE.items()}
CHECKPOINT_BY_RETIRED_TOKEN = CHECKPOINT_COLUMNS.join(
    RetiredToken, RetiredToken.checkpoint_id == Checkpoint.id
).where(RetiredToken.token == sa.bindparam("value"))

# A check-in's shift and checkpoint in one SELECT (one round trip instead of two): one row
# whatever exists, from a one-row FROM with both outer-joined; a missing one reads as NULLs.
_ONE_ROW = sa.select(sa.literal(1).label("one")).subquery("one_row")
_SHIFT_COLUMNS = (
    Shift.id.label("shift_id"),
    Shift.guard_id.label("shift_guard_id"),
    Shift.night.label("shift_night"),
    Shift.started_at.label("shift_started_at"),
    Shift.ended_at.label("shift_ended_at"),
)
SHIFT_AND_CHECKPOINT_BY = {
    field: sa.select(*_SHIFT_COLUMNS, *_CHECKPOINT_COLUMNS).select_from(
        _ONE_ROW.outerjoin(Shift, Shift.id == sa.bindparam("shift_id")).outerjoin(Checkpoint, on)
    )
    for field, on in _CHECKPOINT_WHERE.items()
}


class ShiftRef(NamedTuple):
    """The columns of a shift a record is checked against (as SHIFT_FOR_RECORD reads them)."""

    id: uuid.UUID
    guard_id: int
    night: date
    started_at: datetime
    ended_at: datetime | None


def checked_own_shift(shift: sa.Row | ShiftRef | None, field: str = "shift_id"):
    """The caller's shift as given: unknown -> 422, another user's -> 403."""
    if shift is None:
        raise field_error(field, gettext("Unknown shift. Send the shift first."))
    if shift.guard_id != current_user.id:
        raise ApiError(403, gettext("This shift belongs to another guard."))
    return shift


def own_shift(shift_id: uuid.UUID, field: str = "shift_id") -> sa.Row:
    """The caller's shift (id, guard_id, night, started_at, ended_at): unknown -> 422, another user's -> 403."""
    shift = db.session.execute(SHIFT_FOR_RECORD, {"shift_id": shift_id}).first()
    return checked_own_shift(shift, field)


def shift_area(shift_id: uuid.UUID, area_id: int | None) -> int | None:
    """The area a new shift is started in (point 0 of "alone at night").

    Chosen by the phone (one of the areas of its sites document: the guard's assigned areas,
    or every active area for a guard with none), else the guard's only assigned area, else
    none. A shift that exists keeps its area: an end or a repeat never changes it."""
    if db.session.get(Shift, shift_id) is not None:
        return None  # not used: put_record keeps the stored row's area
    assigned = [area.id for area in current_user.areas if area.active]
    if area_id is None:
        return assigned[0] if len(assigned) == 1 else None
    area = db.session.get(Area, area_id)
    if area is None or not area.active:
        raise field_error("area_id", gettext("Unknown area."))
    if current_user.areas and area_id not in assigned:
        raise field_error("area_id", gettext("You are not assigned to this area."))
    return area_id


def check_within_shift(shift: Shift | sa.Row, occurred_at: datetime) -> None:
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


def checkpoint_reference(data: dict) -> tuple[str, object]:
    """Which field names the checkpoint (exactly one is given) and its value."""
    if data["checkpoint_token"]:
        return "checkpoint_token", data["checkpoint_token"]
    if data["checkpoint_code"]:
        return "checkpoint_code", data["checkpoint_code"].strip().upper()
    return "checkpoint_id", data["checkpoint_id"]


def resolve_checkpoint(data: dict) -> tuple[sa.Row, list[str]]:
    """The checkpoint named by the token, the typed code or the id (exactly one is given): its
    id, label, property_id, lat, lon, radius_m and active flag, and the caller's areas
    (`checkpoint_outside_areas` reads them), read as one Core row; with the
    flags the naming itself earns: a sticker's token replaced by "Byt QR-kod"
    (`retired_token`) and a checkpoint deactivated since the phone last synced
    (`inactive_checkpoint`). Both are accepted, never refused: the guard was there."""
    field, value = checkpoint_reference(data)
    params = {"value": value, "user_id": current_user.id}
    found = db.session.execute(CHECKPOINT_BY[field], params).first()
    return checked_checkpoint(found, field, params, data)


def own_shift_and_checkpoint(data: dict) -> tuple[ShiftRef, sa.Row, list[str]]:
    """`own_shift(data["shift_id"])` and `resolve_checkpoint(data)` in one SELECT, with the
    same answers in the same order (the shift's errors first)."""
    field, value = checkpoint_reference(data)
    params = {"value": value, "user_id": current_user.id}
    row = db.session.execute(
        SHIFT_AND_CHECKPOINT_BY[field], params | {"shift_id": data["shift_id"]}
    ).one()
    shift = None
    if row.shift_id is not None:
        shift = ShiftRef(
            row.shift_id,
            row.shift_guard_id,
            row.shift_night,
            row.shift_started_at,
            row.shift_ended_at,
        )
    checked_own_shift(shift)
    checkpoint, flags = checked_checkpoint(row if row.id is not None else None, field, params, data)
    return shift, checkpoint, flags


def checked_checkpoint(
    checkpoint: sa.Row | None, field: str, params: dict, data: dict
) -> tuple[sa.Row, list[str]]:
    """The checks and flags of `resolve_checkpoint` on the row read by the field's value (None:
    none found; a sticker's retired token is then looked up)."""
    flags = []
    if checkpoint is None and field == "checkpoint_token":
        checkpoint = db.session.execute(CHECKPOINT_BY_RETIRED_TOKEN, params).first()
        if checkpoint is not None:
            flags.append("retired_token")
    if checkpoint is not None and not checkpoint.active:
        flags.append("inactive_checkpoint")
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
    return checkpoint, flags


# (areas the user is assigned to, of which the property's area): built once, bound per call.
AREAS_OF_USER_AT_PROPERTY = sa.select(
    sa.func.count(),
    sa.func.coalesce(
        sa.func.sum(
            sa.case(
                (
                    user_areas.c.area_id
                    == sa.select(Property.area_id)
                    .where(Property.id == sa.bindparam("property_id"))
                    .scalar_subquery(),
                    1,
                ),
                else_=0,
            )
        ),
        0,
    ),
).where(user_areas.c.user_id == sa.bindparam("user_id"))


def outside_assigned_areas(user_id: int, property_id: int) -> bool:
    """Whether the property lies outside every area the user is assigned to. A guard with no
    areas may go anywhere. Such a record is accepted (a guard helping out) and flagged
    `outside_area` for the desk; answers to the phone name no place there (architecture §5a)."""
    assigned, inside = db.session.execute(
        AREAS_OF_USER_AT_PROPERTY, {"user_id": user_id, "property_id": property_id}
    ).one()
    return bool(assigned) and not inside


def checkpoint_outside_areas(checkpoint: sa.Row) -> bool:
    """outside_assigned_areas for the checkpoint's property, from the row resolve_checkpoint
    read (no second query)."""
    return bool(checkpoint.assigned_areas) and not checkpoint.inside_areas


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
