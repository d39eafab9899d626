"""The guard app's side of the safety work, synced like every record (architecture §5: the phone's
UUID, 201 / 200 / 409): resident information plans (cached for offline use) and
`PUT /api/v1/resident-info/visits/<uuid>`, one entrance done; safety walks and
`PUT /api/v1/walk-checks/<uuid>`, a checklist item in order (shortcomings are reports:
`PUT /api/v1/reports/<uuid>` with `walk_id`)."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES
from patrol.db import db
from patrol.errors import field_error
from patrol.openapi import documented
from patrol.safety import resident_info, walks
from patrol.safety.models import ResidentInfoEntrance, ResidentInfoVisit, SafetyWalk, WalkCheck
from patrol.safety.schemas import (
    PlanListOut,
    VisitIn,
    VisitOut,
    WalkCheckIn,
    WalkCheckOut,
    WalkListOut,
)
from patrol.security import roles_required
from patrol.sync import clock_flags, json_body, put_record

VISIT_IN_SCHEMA = VisitIn()
VISIT_OUT_SCHEMA = VisitOut()
PLAN_LIST_OUT_SCHEMA = PlanListOut()

bp = Blueprint("safety_api", __name__, url_prefix="/api/v1")

VISIT_CONTENT_FIELDS = (
    "entrance_id",
    "done_at",
    "notice_posted",
    "letters_delivered",
    "doors_knocked",
    "doors_answered",
    "note",
    "lat",
    "lon",
    "accuracy_m",
)


def visit_content(values: dict) -> dict:
    content = {name: values.get(name) for name in VISIT_CONTENT_FIELDS}
    content["note"] = content["note"] or ""
    content["notice_posted"] = bool(content["notice_posted"])
    content["letters_delivered"] = bool(content["letters_delivered"])
    return content


@bp.get("/resident-info")
@roles_required(*PATROL_ROLES)
@documented(responses={200: PlanListOut}, summary="Resident information plans of recent days")
def list_plans():
    return jsonify(PLAN_LIST_OUT_SCHEMA.dump({"plans": resident_info.plans_for_guards()}))


@bp.put("/resident-info/visits/<uuid:visit_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=VisitIn,
    responses={200: VisitOut, 201: VisitOut},
    summary="An entrance done: notice posted, letters, doors knocked on",
)
def put_visit(visit_id: uuid.UUID):
    data = VISIT_IN_SCHEMA.load(json_body())
    if db.session.get(ResidentInfoEntrance, data["entrance_id"]) is None:
        raise field_error("entrance_id", gettext("Unknown entrance: the plan may have changed."))
    flags, offset = clock_flags()
    values = visit_content(data)
    visit, status = put_record(
        ResidentInfoVisit,
        visit_id,
        values | {"guard_id": current_user.id, "flags": flags, "clock_offset_s": offset},
        owner_id=lambda v: v.guard_id,
        content=lambda v: visit_content({n: getattr(v, n) for n in VISIT_CONTENT_FIELDS}),
        wanted=values,
    )
    return jsonify(VISIT_OUT_SCHEMA.dump(visit)), status


# --- safety walks -----------------------------------------------------------------------------

WALK_LIST_OUT_SCHEMA = WalkListOut()
WALK_CHECK_IN_SCHEMA = WalkCheckIn()
WALK_CHECK_OUT_SCHEMA = WalkCheckOut()
CHECK_CONTENT_FIELDS = ("walk_id", "item", "occurred_at", "note", "lat", "lon", "accuracy_m")


def check_content(values: dict) -> dict:
    content = {name: values.get(name) for name in CHECK_CONTENT_FIELDS}
    content["note"] = content["note"] or ""
    return content


@bp.get("/walks")
@roles_required(*PATROL_ROLES)
@documented(responses={200: WalkListOut}, summary="Safety walks from yesterday to a week ahead")
def list_walks():
    return jsonify(WALK_LIST_OUT_SCHEMA.dump({"walks": walks.walks_for_guards()}))


@bp.put("/walk-checks/<uuid:check_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=WalkCheckIn,
    responses={200: WalkCheckOut, 201: WalkCheckOut},
    summary="A checklist item found in order on a safety walk (a shortcoming is a report)",
)
def put_walk_check(check_id: uuid.UUID):
    data = WALK_CHECK_IN_SCHEMA.load(json_body())
    walk = db.session.get(SafetyWalk, data["walk_id"])
    if walk is None:
        raise field_error("walk_id", gettext("Unknown safety walk."))
    if data["item"] >= len(walk.items):
        raise field_error("item", gettext("The walk's checklist has no such item."))
    flags, offset = clock_flags()
    values = check_content(data)
    check, status = put_record(
        WalkCheck,
        check_id,
        values
        | {"result": "ok", "recorded_by_id": current_user.id, "flags": flags}
        | {"clock_offset_s": offset},
        owner_id=lambda c: c.recorded_by_id,
        content=lambda c: check_content({n: getattr(c, n) for n in CHECK_CONTENT_FIELDS}),
        wanted=values,
    )
    return jsonify(WALK_CHECK_OUT_SCHEMA.dump(check)), status
