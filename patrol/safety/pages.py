"""The safety pages for supervisors and admins: disturbance cases (/review/cases) and resident
information plans (/review/resident-info). Server-rendered; they work without JavaScript."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from patrol.db import db
from patrol.labels import template_labels
from patrol.safety import rules
from patrol.safety.models import CASE_STATUSES, CaseReport, DisturbanceCase
from patrol.security import reviewer_page_check

bp = Blueprint("safety", __name__, url_prefix="/review", template_folder="templates")

MAX_OUTCOME = 2000


@bp.before_request
def reviewers_only():
    return reviewer_page_check()


@bp.context_processor
def labels():
    return template_labels() | {"CASE_STATUSES": CASE_STATUSES}


# --- disturbance cases ----------------------------------------------------------------------


@bp.get("/cases")
def cases():
    show = request.args.get("status", "open")
    if show not in (*CASE_STATUSES, "all"):
        abort(400)
    last_report = sa.func.max(CaseReport.night).label("last_night")
    count = sa.func.count(CaseReport.report_id).label("reports")
    confirmed = sa.func.sum(sa.case((CaseReport.confirmed.is_(True), 1), else_=0))
    query = (
        sa.select(DisturbanceCase, count, confirmed, last_report)
        .options(
            joinedload(DisturbanceCase.property),
            joinedload(DisturbanceCase.checkpoint),
        )
        .join(CaseReport, CaseReport.case_id == DisturbanceCase.id)
        .group_by(DisturbanceCase.id)
        .order_by(last_report.desc(), DisturbanceCase.id.desc())
    )
    if show != "all":
        query = query.where(DisturbanceCase.status == show)
    rows = db.session.execute(query).unique().all()
    return render_template("safety/cases.html", rows=rows, show=show, place=rules.case_place)


def case_or_404(case_id: int) -> DisturbanceCase:
    case = db.session.get(DisturbanceCase, case_id)
    if case is None:
        abort(404)
    return case


def render_case(case: DisturbanceCase, errors: dict | None = None, form=None, status=200):
    links = rules.case_links(case)
    return render_template(
        "safety/case.html",
        case=case,
        links=links,
        place=rules.case_place(case),
        holds_personnummer={
            link.report_id
            for link in links
            if rules.looks_like_personnummer(link.report.description)
        },
        errors=errors or {},
        form=form or {},
    ), status


@bp.get("/cases/<int:case_id>")
def case(case_id: int):
    return render_case(case_or_404(case_id))


@bp.post("/cases/<int:case_id>/reports/<uuid:report_id>/judge")
def judge(case_id: int, report_id: uuid.UUID):
    found = case_or_404(case_id)
    link = db.session.get(CaseReport, report_id)
    if link is None or link.case_id != found.id:
        abort(404)
    choice = request.form.get("confirmed")
    if choice not in ("yes", "no"):
        return render_case(
            found, {"judge": gettext("Choose confirmed or unconfirmed.")}, status=422
        )
    try:
        rules.judge(link, current_user, choice == "yes")
    except rules.CaseClosed:
        return render_case(found, {"judge": gettext("The case is closed.")}, status=409)
    return redirect(url_for("safety.case", case_id=found.id) + f"#report-{report_id}")


@bp.post("/cases/<int:case_id>/close")
def close(case_id: int):
    found = case_or_404(case_id)
    outcome = (request.form.get("outcome") or "").strip()
    error = None
    if not outcome:
        error = gettext("Write the outcome: what was done and how the case ended.")
    elif len(outcome) > MAX_OUTCOME:
        error = gettext("At most %(n)d characters.", n=MAX_OUTCOME)
    elif rules.looks_like_personnummer(outcome):
        error = gettext(
            "The outcome seems to hold a personal identity number. Cases hold no resident "
            "names or identity numbers: remove it."
        )
    if error:
        return render_case(found, {"outcome": error}, {"outcome": outcome}, 422)
    try:
        rules.close_case(found, current_user, outcome)
    except rules.CaseClosed:
        return render_case(found, {"outcome": gettext("The case is closed.")}, status=409)
    flash(gettext("The case is closed."), "notice")
    return redirect(url_for("safety.case", case_id=found.id))
