"""Push's JSON API: the VAPID public key, subscriptions, extra rounds (dispatches) and their
responses, SOS.

Records the phone creates (responses, SOS) follow the sync contract: the phone's UUID, an
idempotent PUT, 201/200/409 through `patrol.sync.put_record`.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, request
from flask_babel import get_locale, gettext
from flask_login import current_user

from patrol.auth.roles import PATROL_ROLES, REVIEWER_ROLES
from patrol.db import db
from patrol.errors import ApiError, field_error
from patrol.openapi import documented
from patrol.push import queue
from patrol.push.actions import (
    acknowledge_sos,
    create_dispatch,
    dispatch_view,
    open_sos_alerts,
    recent_dispatches,
    save_subscription,
)
from patrol.push.hosts import allowed_extra_hosts, endpoint_allowed
from patrol.push.keys import PushConfigError, signer
from patrol.push.models import Dispatch, DispatchResponse, PushSubscription, SosAlert
from patrol.push.schemas import (
    DispatchIn,
    DispatchOut,
    DispatchResponseIn,
    DispatchResponseOut,
    PublicKeyOut,
    SosIn,
    SosOut,
    SubscriptionDeleteIn,
    SubscriptionIn,
    SubscriptionOut,
)
from patrol.security import public, require_owner_or_reviewer, roles_required
from patrol.shifts.models import Shift
from patrol.signals import sos_received
from patrol.sync import json_body, put_record

bp = Blueprint("push_api", __name__)


# --- keys and subscriptions -----------------------------------------------------------------


@bp.get("/api/v1/push/key")
@public
@documented(responses={200: PublicKeyOut}, summary="The VAPID public key to subscribe with")
def public_key():
    try:
        vapid = signer()
    except PushConfigError:
        vapid = None
    if vapid is None:
        raise ApiError(503, gettext("Notifications are not set up on this server."))
    return jsonify({"public_key": vapid.public_key})


@bp.post("/api/v1/push/subscriptions")
@roles_required(*PATROL_ROLES)
@documented(
    request=SubscriptionIn,
    responses={200: SubscriptionOut, 201: SubscriptionOut},
    summary="Subscribe this device (PushSubscription.toJSON())",
)
def subscribe():
    data = SubscriptionIn().load(json_body())
    extra = allowed_extra_hosts(current_app.config.get("PUSH_ALLOWED_HOSTS"))
    if not endpoint_allowed(data["endpoint"], extra):
        raise field_error("endpoint", gettext("This push service is not accepted."))
    sub, status = save_subscription(
        data,
        locale=str(get_locale() or "sv"),
        user_agent=(request.user_agent.string or "")[:300] or None,
    )
    return jsonify(SubscriptionOut().dump(sub)), status


@bp.delete("/api/v1/push/subscriptions")
@roles_required(*PATROL_ROLES)
@documented(request=SubscriptionDeleteIn, responses={204: None}, summary="Unsubscribe a device")
def unsubscribe():
    data = SubscriptionDeleteIn().load(json_body())
    db.session.execute(
        sa.delete(PushSubscription).where(
            PushSubscription.endpoint == data["endpoint"],
            PushSubscription.user_id == current_user.id,
        )
    )
    db.session.commit()
    return "", 204


@bp.post("/api/v1/push/test")
@roles_required(*PATROL_ROLES)
@documented(responses={202: None}, summary="Send a test notification to my devices")
def test_push():
    def render(_user):
        return {
            "title": gettext("Notifications are on"),
            "body": gettext("This device will get alerts."),
            "url": "/",
            "tag": "test",
        }

    messages = queue.queue_push({current_user.id}, "test", render)
    db.session.commit()
    if not messages:
        raise ApiError(404, gettext("This account has no device with notifications on."))
    return jsonify({"queued": len(messages)}), 202


# --- extra rounds ---------------------------------------------------------------------------


@bp.put("/api/v1/dispatches/<uuid:dispatch_id>")
@roles_required(*REVIEWER_ROLES)
@documented(
    request=DispatchIn,
    responses={200: DispatchOut, 201: DispatchOut},
    summary="Send guards on an extra round (supervisors)",
)
def put_dispatch(dispatch_id: uuid.UUID):
    data = DispatchIn().load(json_body())
    dispatch, status = create_dispatch(dispatch_id, data)
    return jsonify(DispatchOut().dump(dispatch_view(dispatch))), status


@bp.get("/api/v1/dispatches")
@roles_required(*PATROL_ROLES)
@documented(
    responses={200: DispatchOut(many=True)},
    summary="Extra rounds: a guard's open ones (?all=1 with completed); all for supervisors",
)
def list_dispatches():
    rows = []
    for dispatch in recent_dispatches():
        if current_user.is_reviewer and current_user.id not in dispatch.guard_ids:
            rows.append(dispatch_view(dispatch))
            continue
        if current_user.id not in dispatch.guard_ids:
            continue
        view = dispatch_view(dispatch, only_guard=current_user.id)
        if view["guards"][0]["completed_at"] and request.args.get("all") != "1":
            continue
        rows.append(view)
    return jsonify(DispatchOut(many=True).dump(rows))


@bp.put("/api/v1/dispatch-responses/<uuid:response_id>")
@roles_required(*PATROL_ROLES)
@documented(
    request=DispatchResponseIn,
    responses={200: DispatchResponseOut, 201: DispatchResponseOut},
    summary="A guard acknowledges or completes an extra round",
)
def put_dispatch_response(response_id: uuid.UUID):
    data = DispatchResponseIn().load(json_body())
    dispatch = db.session.get(Dispatch, data["dispatch_id"])
    if dispatch is None:
        raise field_error("dispatch_id", gettext("Unknown extra round."))
    if current_user.id not in dispatch.guard_ids:
        raise ApiError(403, gettext("This extra round was sent to other guards."))
    fields_ = ("dispatch_id", "action", "occurred_at", "note", "lat", "lon", "accuracy_m")
    values = {name: data[name] for name in fields_}
    values["note"] = values["note"] or None
    existing = db.session.scalar(
        sa.select(DispatchResponse).where(
            DispatchResponse.dispatch_id == dispatch.id,
            DispatchResponse.guard_id == current_user.id,
            DispatchResponse.action == data["action"],
            DispatchResponse.id != response_id,
        )
    )
    if existing is not None:
        # The guard tapped twice offline: the first one counts; say so instead of a bare 409.
        raise ApiError(409, gettext("This extra round is already marked so."))
    row, status = put_record(
        DispatchResponse,
        response_id,
        values | {"guard_id": current_user.id},
        owner_id=lambda r: r.guard_id,
        content=lambda r: {name: getattr(r, name) for name in fields_},
        wanted=values,
    )
    return jsonify(DispatchResponseOut().dump(row)), status


# --- SOS ------------------------------------------------------------------------------------

SOS_FIELDS = ("shift_id", "occurred_at", "lat", "lon", "accuracy_m", "note")


@bp.put("/api/v1/sos/<uuid:sos_id>")
@roles_required(*PATROL_ROLES)
@documented(request=SosIn, responses={200: SosOut, 201: SosOut}, summary="A guard's SOS")
def put_sos(sos_id: uuid.UUID):
    data = SosIn().load(json_body())
    values = {name: data[name] for name in SOS_FIELDS}
    values["note"] = values["note"] or None
    if values["shift_id"] is not None:
        shift = db.session.get(Shift, values["shift_id"])
        if shift is not None and shift.guard_id != current_user.id:
            # Never refuse an SOS; just do not link it to someone else's shift.
            values["shift_id"] = None
    alert, status = put_record(
        SosAlert,
        sos_id,
        values | {"guard_id": current_user.id},
        owner_id=lambda r: r.guard_id,
        content=lambda r: {name: getattr(r, name) for name in SOS_FIELDS},
        wanted=values,
        on_create=sos_created,
    )
    return jsonify(SosOut().dump(alert)), status


def sos_created(alert: SosAlert) -> None:
    """On the first arrival only: the pushes, and the signal the alarm webhooks listen to."""
    queue.queue_sos(alert)
    sos_received.send(alert)


@bp.get("/api/v1/sos")
@roles_required(*REVIEWER_ROLES)
@documented(responses={200: SosOut(many=True)}, summary="Open SOS alerts (supervisors)")
def list_sos():
    return jsonify(SosOut(many=True).dump(open_sos_alerts()))


@bp.get("/api/v1/sos/<uuid:sos_id>")
@roles_required(*PATROL_ROLES)
@documented(responses={200: SosOut}, summary="One SOS (its guard, supervisors, admins)")
def get_sos(sos_id: uuid.UUID):
    alert = db.session.get(SosAlert, sos_id)
    if alert is None:
        raise ApiError(404)
    require_owner_or_reviewer(alert.guard_id)
    return jsonify(SosOut().dump(alert))


@bp.post("/api/v1/sos/<uuid:sos_id>/acknowledge")
@roles_required(*REVIEWER_ROLES)
@documented(responses={200: SosOut}, summary="Acknowledge an SOS (supervisors)")
def acknowledge_sos_api(sos_id: uuid.UUID):
    return jsonify(SosOut().dump(acknowledge_sos(sos_id)))
