"""The guard app's resident information: the plans to carry out (cached for offline use) and
`PUT /api/v1/resident-info/visits/<uuid>`, one entrance done, synced like every record
(DESIGN 5: the phone's UUID, 201 / 200 / 409)."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask_babel import gettext
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES
from patrol.db import db
from patrol.errors import field_error
from patrol.openapi import documented
from patrol.safety import rules
from patrol.safety.models import ResidentInfoEntrance, ResidentInfoVisit
from patrol.safety.schemas import PlanListOut, VisitIn, VisitOut
from patrol.security import roles_required
from patrol.shifts.api import json_body
from patrol.sync import clock_flags, put_record

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
    return jsonify(PLAN_LIST_OUT_SCHEMA.dump({"plans": rules.plans_for_guards()}))


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
