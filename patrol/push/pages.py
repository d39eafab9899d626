"""The supervisor's alert page: tonight's acute reports, extra rounds and open SOS alerts."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.labels import CATEGORY_LABELS
from patrol.push import queue
from patrol.push.actions import (
    DISPATCH_WINDOW,
    acknowledge_sos,
    active_guards,
    create_dispatch,
    dispatch_view,
    recent_dispatches,
)
from patrol.reports.models import Report
from patrol.security import local_path, reviewer_page
from patrol.sites.models import Property

bp = Blueprint("push", __name__, template_folder="templates")


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
    guards = active_guards()
    return render_template(
        "push/alerts.html",
        acute_reports=acute,
        dispatches=[dispatch_view(d) for d in reversed(recent_dispatches())],
        properties=properties,
        guards=guards,
        on_shift=on_shift,
        category_labels=CATEGORY_LABELS,
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
