"""The safety pages for supervisors and admins: disturbance cases (/review/cases) and resident
information plans (/review/resident-info/...). Server-rendered; they work without JavaScript."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from patrol.db import db
from patrol.labels import template_labels
from patrol.push.models import Dispatch
from patrol.reports.models import Report
from patrol.safety import rules
from patrol.safety.models import (
    CASE_STATUSES,
    RESIDENT_INFO_METHODS,
    CaseReport,
    DisturbanceCase,
)
from patrol.security import reviewer_page_check
from patrol.sites.models import Checkpoint, Property

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


# --- resident information ---------------------------------------------------------------------

MAX_MESSAGE = 2000


def event_of(args) -> tuple[Report | None, Dispatch | None]:
    """The plan's event from ?report=<uuid> or ?dispatch=<uuid> (404 when unknown)."""
    for name, model in (("report", Report), ("dispatch", Dispatch)):
        text = args.get(name)
        if text:
            try:
                found = db.session.get(model, uuid.UUID(text))
            except ValueError:
                found = None
            if found is None:
                abort(404)
            return (found, None) if name == "report" else (None, found)
    abort(404)


def entrance_choices(prop: Property) -> list[Property]:
    """The properties of the event's area, the event's own first, with their checkpoints."""
    others = db.session.scalars(
        sa.select(Property)
        .options(selectinload(Property.checkpoints))
        .where(Property.area_id == prop.area_id)
        .order_by(Property.name)
    ).all()
    return sorted(others, key=lambda p: p.id != prop.id)


def read_plan_form(form) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    methods = [m for m in form.getlist("method") if m in RESIDENT_INFO_METHODS]
    if not methods:
        errors["method"] = gettext("Choose how the residents are told.")
    message = (form.get("message") or "").strip()
    if len(message) > MAX_MESSAGE:
        errors["message"] = gettext("At most %(n)d characters.", n=MAX_MESSAGE)
    elif rules.looks_like_personnummer(message):
        errors["message"] = gettext("The text seems to hold a personal identity number: remove it.")
    entrances: list[tuple[int, int | None]] = []
    for value in form.getlist("entrance"):
        kind, _, number = value.partition(":")
        if not number.isdigit():
            continue
        if kind == "p" and db.session.get(Property, int(number)) is not None:
            entrances.append((int(number), None))
        elif kind == "c":
            checkpoint = db.session.get(Checkpoint, int(number))
            if checkpoint is not None:
                entrances.append((checkpoint.property_id, checkpoint.id))
    entrances = list(dict.fromkeys(entrances))
    if not entrances:
        errors["entrance"] = gettext("Choose at least one entrance or address.")
    return {"methods": methods, "message": message, "entrances": entrances}, errors


def render_plan_form(report, dispatch, values=None, errors=None, status=200):
    prop = report.property if report is not None else dispatch.property
    if values is None:
        default = (prop.id, report.checkpoint_id if report is not None else None)
        values = {"methods": ["notice"], "message": "", "entrances": [default]}
    return render_template(
        "safety/resident_info_form.html",
        report=report,
        dispatch=dispatch,
        choices=entrance_choices(prop),
        values=values,
        chosen={f"p:{p}" if c is None else f"c:{c}" for p, c in values["entrances"]},
        methods=RESIDENT_INFO_METHODS,
        method_labels=rules.METHOD_LABELS,
        errors=errors or {},
    ), status


@bp.get("/resident-info/new")
def new_plan():
    report, dispatch = event_of(request.args)
    return render_plan_form(report, dispatch)


@bp.post("/resident-info/new")
def create_plan():
    report, dispatch = event_of(request.args)
    values, errors = read_plan_form(request.form)
    if errors:
        return render_plan_form(report, dispatch, values, errors, 422)
    plan = rules.create_plan(current_user, report=report, dispatch=dispatch, **values)
    flash(gettext("The plan is saved. The guards see it in the app."), "notice")
    return redirect(url_for("safety.plan", plan_id=plan.id))


@bp.get("/resident-info/<int:plan_id>")
def plan(plan_id: int):
    found = rules.plan_with_progress(plan_id)
    if found is None:
        abort(404)
    return render_template(
        "safety/resident_info_plan.html",
        plan=found,
        title=rules.plan_title(found),
        done=rules.done_count(found),
        method_labels=rules.METHOD_LABELS,
        summary=rules.visit_summary,
    )
