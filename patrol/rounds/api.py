"""PUT /api/v1/skips/<uuid>: a guard's record that a round's checkpoint could not be reached.

Follows the sync contract exactly like a check-in (architecture §5, §5a): the phone's UUID, 201 the
first time, 200 for the same content again, 409 for other content, 422 for invalid input, 403
for another guard's record or shift.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint, jsonify
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.roles import OWNER, PATROL_ROLES
from patrol.db import db
from patrol.errors import field_error
from patrol.openapi import documented
from patrol.rounds.models import RoundSkip, Route
from patrol.rounds.phone import phone_routes
from patrol.rounds.queries import load_plans
from patrol.rounds.rules import plan_in_force
from patrol.rounds.schemas import RoundSkipIn, RoundSkipOut
from patrol.security import roles_required
from patrol.shifts.rules import check_within_shift, own_shift
from patrol.sync import clock_flags, json_body, put_record

SKIP_IN_SCHEMA = RoundSkipIn()
SKIP_OUT_SCHEMA = RoundSkipOut()

bp = Blueprint("rounds_api", __name__)


def routes_for_phone(now: datetime) -> list[dict]:
    """The `routes` part of the phone's sites document (registered in patrol/rounds/__init__):
    the planned rounds of tonight and the next night; owners do not patrol."""
    return phone_routes(now) if current_user.role != OWNER else []


SKIP_CONTENT_FIELDS = (
    "shift_id",
    "route_id",
    "checkpoint_id",
    "reason_code",
    "reason_text",
    "occurred_at",
)


def skip_content(values: dict) -> dict:
    content = {k: values.get(k) for k in SKIP_CONTENT_FIELDS}
    content["reason_text"] = (content["reason_text"] or "").strip() or None
    return content


@bp.put("/api/v1/skips/<uuid:skip_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=RoundSkipIn,
    responses={200: RoundSkipOut, 201: RoundSkipOut},
    summary="Skip a round's checkpoint, with a reason",
)
def put_skip(skip_id: uuid.UUID):
    data = SKIP_IN_SCHEMA.load(json_body())
    shift = own_shift(data["shift_id"])
    route = db.session.get(Route, data["route_id"])
    if route is None:
        raise field_error("route_id", gettext("Unknown route."))
    plan = plan_in_force(load_plans([route.id]).get(route.id, []), shift.night)
    if plan is None or data["checkpoint_id"] not in plan.checkpoint_ids:
        raise field_error("checkpoint_id", gettext("This checkpoint is not on the route tonight."))
    check_within_shift(shift, data["occurred_at"])
    flags, offset = clock_flags()
    values = skip_content(data) | {"shift_id": shift.id, "flags": flags, "clock_offset_s": offset}
    skip, status = put_record(
        RoundSkip,
        skip_id,
        values,
        owner_id=lambda r: r.shift.guard_id,
        content=lambda r: skip_content({k: getattr(r, k) for k in SKIP_CONTENT_FIELDS}),
        wanted=skip_content(data | {"shift_id": shift.id}),
    )
    return jsonify(SKIP_OUT_SCHEMA.dump(skip)), status
