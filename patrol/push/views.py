"""Push API and the supervisor's alert page.

API: the VAPID public key, subscriptions, extra rounds (dispatches) and their responses, SOS.
Records the phone creates (responses, SOS) follow the sync contract: the phone's UUID, an
idempotent PUT, 201/200/409 through `patrol.sync.put_record`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user

from patrol.auth.models import User
from patrol.auth.roles import PATROL_ROLES, REVIEWER_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError, field_error
from patrol.openapi import documented
from patrol.push import queue
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
from patrol.reports.models import Report
from patrol.security import (
    local_path,
    public,
    require_owner_or_reviewer,
    reviewer_page,
    roles_required,
)
from patrol.shifts.api import json_body
from patrol.shifts.models import Shift
from patrol.sites.models import Property
from patrol.sync import put_record

bp = Blueprint("push", __name__, template_folder="templates")

# How long an extra round stays on the guards' lists.
DISPATCH_WINDOW = timedelta(hours=16)


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
    locale = str(get_locale() or "sv")
    sub = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == data["endpoint"])
    )
    status = 200
    if sub is None:
        sub = PushSubscription(endpoint=data["endpoint"])
        db.session.add(sub)
        status = 201
    # The same device again (fresh keys after pushsubscriptionchange, another user logged in):
    # one subscription per device, owned by whoever subscribed last.
    sub.user_id = current_user.id
    sub.p256dh = data["keys"]["p256dh"]
    sub.auth = data["keys"]["auth"]
    sub.locale = locale
    sub.user_agent = (request.user_agent.string or "")[:300] or None
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two racing first subscriptions of one endpoint: the other one won; update it.
        db.session.rollback()
        return subscribe()
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


def dispatch_view(dispatch: Dispatch, only_guard: int | None = None) -> dict:
    guards = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(dispatch.guard_ids)))
    }
    state: dict[int, dict] = {}
    for response in dispatch.responses:
        state.setdefault(response.guard_id, {})[response.action] = response.occurred_at
    rows = []
    for guard_id in dispatch.guard_ids:
        if only_guard is not None and guard_id != only_guard:
            continue
        rows.append(
            {
                "guard_id": guard_id,
                "name": guards[guard_id].display_name if guard_id in guards else "?",
                "acknowledged_at": state.get(guard_id, {}).get("acknowledged"),
                "completed_at": state.get(guard_id, {}).get("completed"),
            }
        )
    return {
        "id": dispatch.id,
        "property_id": dispatch.property_id,
        "property_name": dispatch.property.name,
        "address": dispatch.property.address,
        "message": dispatch.message,
        "created_at": dispatch.created_at,
        "created_by": dispatch.created_by.display_name,
        "guards": rows,
    }


def active_guard_ids(ids: list[int]) -> list[int]:
    found = set(
        db.session.scalars(
            sa.select(User.id).where(User.id.in_(ids), User.role == "guard", User.active)
        )
    )
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise field_error("guard_ids", gettext("Not an active guard: %(ids)s", ids=unknown))
    return sorted(found)


def create_dispatch(dispatch_id: uuid.UUID, data: dict) -> tuple[Dispatch, int]:
    """Create (or confirm) an extra round and queue its push messages in the same
    transaction. Shared by the API and the supervisor's page."""
    prop = db.session.get(Property, data["property_id"])
    if prop is None:
        raise field_error("property_id", gettext("Unknown property."))
    chosen = data.get("guard_ids") or []
    guard_ids = active_guard_ids(chosen) if chosen else sorted(queue.guards_on_shift())
    if not guard_ids:
        raise field_error(
            "guard_ids", gettext("No guard is on shift now. Choose the guards to send.")
        )
    message = (data.get("message") or "").strip()
    wanted = {"property_id": prop.id, "message": message}
    if chosen:
        wanted["guard_ids"] = frozenset(guard_ids)

    def content(row: Dispatch) -> dict:
        got = {"property_id": row.property_id, "message": row.message}
        if chosen:
            got["guard_ids"] = frozenset(row.guard_ids)
        return got

    return put_record(
        Dispatch,
        dispatch_id,
        {
            "created_by_id": current_user.id,
            "property_id": prop.id,
            "message": message,
            "guard_ids": guard_ids,
        },
        owner_id=lambda r: r.created_by_id,
        content=content,
        wanted=wanted,
        on_create=queue.queue_dispatch,
    )


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


def recent_dispatches() -> list[Dispatch]:
    since = utcnow() - DISPATCH_WINDOW
    return list(
        db.session.scalars(
            sa.select(Dispatch).where(Dispatch.created_at >= since).order_by(Dispatch.created_at)
        )
    )


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
        on_create=queue.queue_sos,
    )
    return jsonify(SosOut().dump(alert)), status


def open_sos_alerts() -> list[SosAlert]:
    """SOS alerts nobody has acknowledged yet, newest first (for the Natten page's top)."""
    return list(
        db.session.scalars(
            sa.select(SosAlert)
            .where(SosAlert.acknowledged_at.is_(None))
            .order_by(SosAlert.received_at.desc())
        )
    )


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


def acknowledge_sos(sos_id: uuid.UUID) -> SosAlert:
    """Mark an SOS as seen (once; later calls change nothing) and tell the guard."""
    alert = db.session.scalar(sa.select(SosAlert).where(SosAlert.id == sos_id).with_for_update())
    if alert is None:
        raise ApiError(404)
    if alert.acknowledged_at is None:
        alert.acknowledged_at = utcnow()
        alert.acknowledged_by_id = current_user.id
        db.session.flush()
        queue.queue_sos_acknowledged(alert, current_user)
    db.session.commit()
    return alert


@bp.post("/api/v1/sos/<uuid:sos_id>/acknowledge")
@roles_required(*REVIEWER_ROLES)
@documented(responses={200: SosOut}, summary="Acknowledge an SOS (supervisors)")
def acknowledge_sos_api(sos_id: uuid.UUID):
    return jsonify(SosOut().dump(acknowledge_sos(sos_id)))


# --- the supervisor's page ------------------------------------------------------------------


@bp.get("/push/alerts")
@reviewer_page
def alerts_page():
    return render_alerts()


def render_alerts(error: str | None = None, status: int = 200):
    since = utcnow() - DISPATCH_WINDOW
    acute = db.session.scalars(
        sa.select(Report)
        .where(Report.level == "acute", Report.received_at >= since)
        .order_by(Report.received_at.desc())
    ).all()
    properties = db.session.scalars(sa.select(Property).order_by(Property.name)).all()
    on_shift = queue.guards_on_shift()
    guards = db.session.scalars(
        sa.select(User).where(User.role == "guard", User.active).order_by(User.display_name)
    ).all()
    return render_template(
        "push/alerts.html",
        acute_reports=acute,
        dispatches=[dispatch_view(d) for d in reversed(recent_dispatches())],
        properties=properties,
        guards=guards,
        on_shift=on_shift,
        category_labels=queue.CATEGORY_LABELS,
        dispatch_error=error,
    ), status


@bp.get("/push/sos")
@reviewer_page
def sos_page():
    """Only the open SOS alerts: what a Natten page can load into its top (or poll)."""
    return render_template("push/sos.html")


@bp.post("/push/sos/<uuid:sos_id>/acknowledge")
@reviewer_page
def acknowledge_sos_page(sos_id: uuid.UUID):
    acknowledge_sos(sos_id)
    return redirect(local_path(request.form.get("next"), url_for("push.alerts_page")), 303)


@bp.post("/push/dispatches")
@reviewer_page
def dispatch_form():
    try:
        property_id = int(request.form.get("property_id", ""))
    except ValueError:
        property_id = -1
    guard_ids = [int(g) for g in request.form.getlist("guard_ids") if g.isdigit()]
    try:
        create_dispatch(
            uuid.uuid4(),
            {
                "property_id": property_id,
                "message": request.form.get("message", ""),
                "guard_ids": guard_ids,
            },
        )
    except ApiError as error:
        db.session.rollback()
        message = "; ".join(m for msgs in (error.errors or {}).values() for m in msgs)
        return render_alerts(message or error.message or gettext("Not sent."), 422)
    return redirect(url_for("push.alerts_page") + "#dispatches", 303)
