"""The safety pages for supervisors and admins: disturbance cases (/review/cases), resident
information plans (/review/resident-info/...), safety walks (/review/walks, with a PDF) and
their checklist templates (/admin/checklists: admins write, supervisors read).
Server-rendered; they work without JavaScript."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from patrol.audit import compared, created, write_audit
from patrol.auth.roles import ADMIN_READER_ROLES, ADMIN_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.labels import template_labels
from patrol.params import iso_date, kind_and_id, row_id
from patrol.push.models import Dispatch
from patrol.reports.models import Report
from patrol.safety import cases as case_rules
from patrol.safety import resident_info, rules
from patrol.safety import walks as walk_rules
from patrol.safety.models import (
    CASE_STATUSES,
    RESIDENT_INFO_METHODS,
    CaseReport,
    ChecklistTemplate,
    DisturbanceCase,
    SafetyWalk,
)
from patrol.security import reviewer_page_check
from patrol.sites.models import Area, Checkpoint, Property

bp = Blueprint("safety", __name__, url_prefix="/review", template_folder="templates")

MAX_OUTCOME = 2000


@bp.before_request
def reviewers_only():
    return reviewer_page_check()


@bp.context_processor
def labels():
    return template_labels() | {
        "CASE_STATUSES": CASE_STATUSES,
        "CASE_STATUS_LABELS": case_rules.CASE_STATUS_LABELS,
    }


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
    return render_template("safety/cases.html", rows=rows, show=show, place=case_rules.case_place)


def case_or_404(case_id: int) -> DisturbanceCase:
    case = db.session.get(DisturbanceCase, case_id)
    if case is None:
        abort(404)
    return case


def render_case(case: DisturbanceCase, errors: dict | None = None, form=None, status=200):
    links = case_rules.case_links(case)
    return render_template(
        "safety/case.html",
        case=case,
        links=links,
        place=case_rules.case_place(case),
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
        case_rules.judge(link, current_user, choice == "yes")
    except case_rules.CaseClosed:
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
        case_rules.close_case(found, current_user, outcome)
    except case_rules.CaseClosed:
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
        chosen = kind_and_id(value, {"p", "c"})
        if chosen is None:
            continue
        kind, number = chosen
        if kind == "p" and db.session.get(Property, number) is not None:
            entrances.append((number, None))
        elif kind == "c":
            checkpoint = db.session.get(Checkpoint, number)
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
        method_labels=resident_info.METHOD_LABELS,
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
    plan = resident_info.create_plan(current_user, report=report, dispatch=dispatch, **values)
    flash(gettext("The plan is saved. The guards see it in the app."), "notice")
    return redirect(url_for("safety.plan", plan_id=plan.id))


@bp.get("/resident-info/<int:plan_id>")
def plan(plan_id: int):
    found = resident_info.plan_with_progress(plan_id)
    if found is None:
        abort(404)
    return render_template(
        "safety/resident_info_plan.html",
        plan=found,
        title=resident_info.plan_title(found),
        done=resident_info.done_count(found),
        method_labels=resident_info.METHOD_LABELS,
        summary=resident_info.visit_summary,
    )


# --- safety walks -----------------------------------------------------------------------------

MAX_PARTICIPANTS = 2000


def read_walk_form(form) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    area = db.session.get(Area, row_id(form.get("area"))) if row_id(form.get("area")) else None
    if area is None:
        errors["area"] = gettext("Choose the area.")
    try:
        walk_date = iso_date(form.get("walk_date"))
    except ValueError:
        walk_date = None
    if walk_date is None:
        errors["walk_date"] = gettext("Give the date as YYYY-MM-DD.")
    template_id = form.get("template", "")
    template = (
        db.session.get(ChecklistTemplate, row_id(template_id)) if row_id(template_id) else None
    )
    if template is None:
        errors["template"] = gettext("Choose a checklist.")
    participants = (form.get("participants") or "").strip()
    if len(participants) > MAX_PARTICIPANTS:
        errors["participants"] = gettext("At most %(n)d characters.", n=MAX_PARTICIPANTS)
    elif rules.looks_like_personnummer(participants):
        errors["participants"] = gettext(
            "The text seems to hold a personal identity number: remove it."
        )
    values = {
        "area": area,
        "walk_date": walk_date,
        "template": template,
        "participants": participants,
    }
    return values, errors


def render_walks(form=None, errors=None, status=200):
    walks = db.session.scalars(
        sa.select(SafetyWalk)
        .options(joinedload(SafetyWalk.area))
        .order_by(SafetyWalk.walk_date.desc(), SafetyWalk.id.desc())
    ).all()
    counts = dict(
        db.session.execute(
            sa.select(Report.walk_id, sa.func.count())
            .where(Report.walk_id.is_not(None))
            .group_by(Report.walk_id)
        ).all()
    )
    return render_template(
        "safety/walks.html",
        walks=walks,
        findings=counts,
        areas=db.session.scalars(sa.select(Area).order_by(Area.name)).all(),
        templates=db.session.scalars(
            sa.select(ChecklistTemplate).order_by(ChecklistTemplate.name)
        ).all(),
        form=form or {},
        errors=errors or {},
    ), status


@bp.get("/walks")
def walks():
    return render_walks()


@bp.post("/walks")
def plan_walk():
    values, errors = read_walk_form(request.form)
    if errors:
        return render_walks(request.form, errors, 422)
    walk = SafetyWalk(
        area_id=values["area"].id,
        walk_date=values["walk_date"],
        participants=values["participants"],
        template_id=values["template"].id,
        items=list(values["template"].items),
        created_by_id=current_user.id,
    )
    db.session.add(walk)
    db.session.commit()
    flash(gettext("The safety walk is planned. It shows in the guard app."), "notice")
    return redirect(url_for("safety.walk", walk_id=walk.id))


def walk_or_404(walk_id: int) -> SafetyWalk:
    walk = db.session.get(SafetyWalk, walk_id)
    if walk is None:
        abort(404)
    return walk


@bp.get("/walks/<int:walk_id>")
def walk(walk_id: int):
    summary = walk_rules.walk_summary(walk_or_404(walk_id))
    return render_template("safety/walk.html", summary=summary, walk=summary.walk)


@bp.get("/walks/<int:walk_id>.pdf")
def walk_pdf(walk_id: int):
    from patrol.safety.export_pdf import walk_report_pdf

    walk = walk_or_404(walk_id)
    return Response(
        walk_report_pdf(walk_rules.walk_summary(walk)),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="trygghetsvandring-{walk.walk_date}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# --- checklist templates (/admin/checklists): admins write, supervisors read -----------------

admin_bp = Blueprint("safety_admin", __name__, url_prefix="/admin", template_folder="templates")


@admin_bp.before_request
def admin_readers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ADMIN_READER_ROLES:
        raise ApiError(403)
    if request.method == "POST" and current_user.role not in ADMIN_ROLES:
        raise ApiError(403, gettext("Only an admin may change checklists."))
    return None


def read_checklist_form(form, exclude_id: int | None = None) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    name = (form.get("name") or "").strip()
    items = walk_rules.read_checklist_items(form.get("items", ""))
    if not name:
        errors["name"] = gettext("Give the checklist a name.")
    elif len(name) > 160:
        errors["name"] = gettext("At most %(n)d characters.", n=160)
    else:
        taken = db.session.scalar(
            sa.select(ChecklistTemplate.id).where(ChecklistTemplate.name == name)
        )
        if taken is not None and taken != exclude_id:
            errors["name"] = gettext("There is already a checklist with this name.")
    if not items:
        errors["items"] = gettext("Write at least one item, one per line.")
    elif len(items) > walk_rules.MAX_CHECKLIST_ITEMS:
        errors["items"] = gettext("At most %(n)d items.", n=walk_rules.MAX_CHECKLIST_ITEMS)
    elif any(len(item) > walk_rules.MAX_ITEM_LENGTH for item in items):
        errors["items"] = gettext(
            "An item has at most %(n)d characters.", n=walk_rules.MAX_ITEM_LENGTH
        )
    return {"name": name, "items": items}, errors


def render_checklists(form=None, errors=None, editing: int | None = None, status=200):
    return render_template(
        "safety/checklists.html",
        templates=db.session.scalars(
            sa.select(ChecklistTemplate).order_by(ChecklistTemplate.name)
        ).all(),
        can_edit=current_user.role in ADMIN_ROLES,
        form=form or {},
        errors=errors or {},
        editing=editing,
    ), status


@admin_bp.get("/checklists")
def checklists():
    return render_checklists()


@admin_bp.post("/checklists")
def create_checklist():
    values, errors = read_checklist_form(request.form)
    if errors:
        return render_checklists(request.form, errors, status=422)
    template = ChecklistTemplate(**values)
    db.session.add(template)
    db.session.flush()
    write_audit("create", "checklist", template.id, template.name, created(values))
    db.session.commit()
    flash(gettext("The checklist is saved."), "notice")
    return redirect(url_for("safety_admin.checklists"))


@admin_bp.post("/checklists/<int:template_id>")
def update_checklist(template_id: int):
    template = db.session.get(ChecklistTemplate, template_id)
    if template is None:
        abort(404)
    values, errors = read_checklist_form(request.form, exclude_id=template.id)
    if errors:
        return render_checklists(request.form, errors, editing=template.id, status=422)
    before = {"name": template.name, "items": list(template.items)}
    template.name = values["name"]
    template.items = values["items"]
    template.updated_at = utcnow()
    # Every item before and after: a walk planned later copies these words.
    if before != values:
        write_audit("update", "checklist", template.id, template.name, compared(before, values))
    db.session.commit()
    flash(gettext("The checklist is saved. Walks already planned keep their own copy."), "notice")
    return redirect(url_for("safety_admin.checklists"))
