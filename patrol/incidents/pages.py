"""/review/incidents (supervisors and admins): the threat and violence incidents, one page
each with its follow-up, and the list as CSV."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from patrol.db import utcnow
from patrol.incidents import actions
from patrol.labels import INCIDENT_ROLE_LABELS, template_labels
from patrol.nights import today
from patrol.security import reviewer_page_check

bp = Blueprint("incidents", __name__, url_prefix="/review", template_folder="templates")


@bp.before_request
def reviewers_only():
    return reviewer_page_check()


@bp.context_processor
def labels():
    return template_labels() | {"ROLE_LABELS": INCIDENT_ROLE_LABELS}


def show_filter() -> str:
    show = request.args.get("show", "all")
    return show if show in actions.SHOW else "all"


@bp.get("/incidents")
def incidents():
    show = show_filter()
    return render_template("incidents/incidents.html", rows=actions.incidents(show), show=show)


@bp.get("/incidents.csv")
def incidents_csv():
    show = show_filter()
    text = actions.incidents_csv(actions.incidents(show))
    stamp = today(utcnow()).isoformat()
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="incidents-{stamp}.csv"'},
    )


def incident_or_404(report_id: uuid.UUID):
    report = actions.incident(report_id)
    if report is None:
        abort(404)
    return report


@bp.get("/incidents/<uuid:report_id>")
def incident(report_id: uuid.UUID):
    return render_incident(incident_or_404(report_id))


def render_incident(report, errors: dict | None = None, form: dict | None = None, status=200):
    return render_template(
        "incidents/incident.html",
        report=report,
        d=report.incident,
        errors=errors or {},
        form=form or {},
    ), status


@bp.post("/incidents/<uuid:report_id>")
def follow_up(report_id: uuid.UUID):
    report = incident_or_404(report_id)
    values, errors = actions.read_follow_up(request.form)
    if errors:
        return render_incident(report, errors, values, 422)
    closing = values["close"] and report.incident.closed_at is None
    actions.save_follow_up(report, values, current_user)
    flash(
        gettext("The incident is closed.") if closing else gettext("The follow-up is saved."),
        "notice",
    )
    return redirect(url_for("incidents.incident", report_id=report.id), 303)
