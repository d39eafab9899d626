"""The phone's side of a drill: the pending drills, and its "seen" and "answered" records."""

from __future__ import annotations

import uuid

from flask import Blueprint, jsonify
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES
from patrol.drills import actions
from patrol.drills.schemas import DrillAnswerIn, DrillListOut, DrillOut, DrillSeenIn
from patrol.openapi import documented
from patrol.security import roles_required
from patrol.sync import json_body

bp = Blueprint("drills_api", __name__)

DRILL_OUT = DrillOut()


@bp.get("/api/v1/drills/pending")
@roles_required(*PATROL_ROLES)
@documented(responses={200: DrillListOut}, summary="The user's alarm drills not yet answered")
def pending():
    return jsonify(DrillListOut().dump({"drills": actions.pending_for(current_user)}))


@bp.put("/api/v1/drills/<uuid:drill_id>/seen")
@roles_required(*PATROL_ROLES)
@documented(request=DrillSeenIn, responses={200: DrillOut}, summary="The phone showed a drill")
def seen(drill_id: uuid.UUID):
    data = DrillSeenIn().load(json_body())
    drill = actions.own_drill(drill_id, current_user)
    return jsonify(DRILL_OUT.dump(actions.mark_seen(drill, data["seen_at"])))


@bp.put("/api/v1/drills/<uuid:drill_id>/answer")
@roles_required(*PATROL_ROLES)
@documented(request=DrillAnswerIn, responses={200: DrillOut}, summary="The guard answered a drill")
def answer(drill_id: uuid.UUID):
    data = DrillAnswerIn().load(json_body())
    drill = actions.own_drill(drill_id, current_user)
    return jsonify(DRILL_OUT.dump(actions.mark_answered(drill, data["answered_at"])))
