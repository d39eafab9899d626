"""The review pages (/review/...): server-rendered, for supervisors and admins only."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, undefer

from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.i18n import span_text
from patrol.labels import template_labels
from patrol.params import iso_date, positive_int, row_id
from patrol.reports.models import CATEGORIES, INCIDENT_CATEGORY, LEVELS, REVIEW_STATUSES, Report
from patrol.review import actions, forms
from patrol.review.models import PRIORITIES, NightReview, WorkOrder
from patrol.review.places import place_of
from patrol.review.queries import (
    ReportRow,
    current_night,
    default_night,
    load_report_rows,
    night_overview,
    open_work_orders_at,
    properties_with_area,
    recent_rows_at,
    report_page,
    review_events,
    rows_where,
    shift_log,
    work_order_page,
    work_orders_in_order,
)
from patrol.review.versions import changes_since, first_version, night_versions
from patrol.rounds.labels import SKIP_REASONS
from patrol.security import local_path, reviewer_page_check
from patrol.shifts.models import Shift
from patrol.sites.models import Area, Property

bp = Blueprint(
    "review",
    __name__,
    url_prefix="/review",
    template_folder="templates",
)

PAGE_SIZE = 50
THEME_COOKIE = "theme"


@bp.before_request
def reviewers_only():
    """Anonymous visitors go to the login page; guards and owners get 403 (owners will get
    their own view of approved reports later)."""
    return reviewer_page_check()


@bp.context_processor
def labels():
    return template_labels() | {"CATEGORIES": CATEGORIES, "LEVELS": LEVELS}


@bp.app_template_global("has_endpoint")
def has_endpoint(endpoint: str) -> bool:
    """Whether a page exists in this app (the desk menu links to /admin/ when it does)."""
    return endpoint in current_app.view_functions


bp.add_app_template_global(place_of, "place_of")


@bp.app_template_filter("delay")
def delay(received: datetime | None, occurred: datetime | None) -> str:
    """How long after the phone's time the server received a record: "+4 min"."""
    if received is None or occurred is None:
        return "–"
    seconds = (received - occurred).total_seconds()
    return ("−" if seconds < 0 else "+") + span_text(seconds)


def parse_night(text: str) -> date:
    try:
        night = iso_date(text)
    except ValueError:
        abort(404)
    if night is None:
        abort(404)
    return night


# --- Natten -------------------------------------------------------------------------------


@bp.get("/")
def tonight():
    chosen = request.args.get("night")
    if chosen is not None:  # the date picker (a GET form, no JavaScript needed)
        try:
            return redirect(url_for("review.night", night=iso_date(chosen).isoformat()))
        except (ValueError, AttributeError):
            message = gettext("Give the date as YYYY-MM-DD.")
            return render_night(default_night(), 400, {"night": message})
    return render_night(default_night())


@bp.get("/nights/<night>")
def night(night: str):
    return render_night(parse_night(night))


def render_night(night_date: date, status: int = 200, date_errors: dict | None = None):
    overview = night_overview(night_date)
    versions = night_versions(night_date)
    latest = versions[-1] if versions else None
    return render_template(
        "review/night.html",
        overview=overview,
        night_review=latest,
        versions=versions,
        changes=changes_since(night_date, latest),
        first_version=lambda received_at: first_version(versions, received_at),
        night=night_date,
        previous=night_date - timedelta(days=1),
        following=night_date + timedelta(days=1),
        is_current=night_date == default_night(),
        date_errors=date_errors or {},
    ), status


def unreviewed_reports(night_date: date) -> list[Report]:
    return list(
        db.session.scalars(
            sa.select(Report)
            .options(joinedload(Report.property))
            .where(Report.night == night_date, Report.review_status == "new")
            .order_by(Report.occurred_at)
        )
    )


@bp.post("/nights/<night>/reviewed")
def mark_night_reviewed(night: str):
    """ "Natten granskad": the night's PDF is rendered and kept as the next version of its
    record. With reports still unreviewed it first asks (a page with a second form, so it
    works without JavaScript); `confirm=1` from that form marks the night anyway."""
    night_date = parse_night(night)
    if night_date > current_night():
        flash(gettext("This night has not happened yet."), "error")
        return render_night(night_date, 409)
    if not db.session.scalar(sa.select(Shift.id).where(Shift.night == night_date).limit(1)):
        flash(gettext("There were no shifts this night: nothing to mark reviewed."), "error")
        return render_night(night_date, 409)
    open_reports = unreviewed_reports(night_date)
    if open_reports and request.form.get("confirm") != "1":
        return render_template(
            "review/confirm_night.html", night=night_date, open_reports=open_reports
        )
    try:
        review = actions.mark_night_reviewed(night_date, current_user._get_current_object())
    except actions.AlreadyReviewed:
        flash(gettext("This night is already marked reviewed; its kept PDF is unchanged."), "error")
        return render_night(night_date, 409)
    except actions.NothingChanged as kept:
        flash(
            gettext(
                "This night is already marked reviewed and nothing arrived or changed since "
                "version %(n)d; its kept PDF is unchanged.",
                n=kept.args[0],
            ),
            "error",
        )
        return render_night(night_date, 409)
    if review.version == 1:
        flash(gettext("The night is marked reviewed. Its PDF is kept as the record."), "notice")
    else:
        flash(
            gettext(
                "The night is marked reviewed again. Its PDF is kept as version %(n)d, "
                "beside the earlier versions.",
                n=review.version,
            ),
            "notice",
        )
    return redirect(url_for("review.night", night=night_date.isoformat()))


# --- shift log ----------------------------------------------------------------------------


@bp.get("/shifts/<uuid:shift_id>")
def shift(shift_id: uuid.UUID):
    found = db.session.scalar(
        sa.select(Shift).options(joinedload(Shift.guard)).where(Shift.id == shift_id)
    )
    if found is None:
        abort(404)
    versions = night_versions(found.night)
    return render_template(
        "review/shift.html",
        log=shift_log(found),
        shift=found,
        skip_reasons=SKIP_REASONS,
        versions=versions,
        first_version=lambda received_at: first_version(versions, received_at),
    )


# --- reports ------------------------------------------------------------------------------


@bp.get("/reports")
def reports():
    filters = forms.read_report_filters(request.args)
    rows: list[ReportRow] = []
    total = 0
    status = 200
    if filters.errors:
        status = 400
    else:
        page_reports, total = report_page(filters, PAGE_SIZE)
        rows = load_report_rows(page_reports)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "review/reports.html",
        filters=filters,
        rows=rows,
        total=total,
        pages=pages,
        areas=db.session.scalars(sa.select(Area).order_by(Area.name)).all(),
        properties=properties_with_area(),
        statuses=REVIEW_STATUSES,
    ), status


def report_or_404(report_id: uuid.UUID) -> Report:
    report = db.session.get(Report, report_id)
    if report is None:
        abort(404)
    return report


def render_report(report: Report, errors: dict | None = None, form: dict | None = None, status=200):
    (row,) = rows_where(Report.id == report.id)
    events = review_events(report.id)
    earlier_open = [
        order
        for order in open_work_orders_at(report.property_id, before=report.night)
        if order.report_id != report.id
    ]
    default_place = report.checkpoint.label if report.checkpoint else ""
    return render_template(
        "review/report.html",
        row=row,
        report=report,
        events=events,
        earlier_open=earlier_open,
        errors=errors or {},
        form=form or {},
        default_place=default_place,
        priorities=PRIORITIES,
        default_priority="high" if row.level == "acute" else "normal",
    ), status


@bp.get("/reports/<uuid:report_id>")
def report(report_id: uuid.UUID):
    return render_report(report_or_404(report_id))


@bp.post("/reports/<uuid:report_id>/approve")
def approve(report_id: uuid.UUID):
    found = report_or_404(report_id)
    comment, error = forms.read_comment(request.form)
    owner_text, owner_error = forms.read_comment(request.form, "owner_text")  # issue 13
    if error or owner_error:
        errors = {"comment": error, "owner_text": owner_error}
        form = {"comment": comment, "owner_text": owner_text}
        return render_report(found, {k: v for k, v in errors.items() if v}, form, 422)
    actions.approve(found, current_user, comment, owner_text)
    flash(gettext("The report is reviewed."), "notice")
    return redirect(url_for("review.report", report_id=found.id))


@bp.post("/reports/<uuid:report_id>/correct")
def correct(report_id: uuid.UUID):
    found = report_or_404(report_id)
    values, errors = forms.read_correction(request.form)
    incident_involved = INCIDENT_CATEGORY in (values["category"], found.category)
    if not errors and incident_involved and values["category"] != found.category:
        # Whether a report is an incident is the guard's kind of report (it decides that
        # owners never see it): a correction neither makes nor unmakes one.
        errors["category"] = gettext(
            "Threat or violence is the guard's own kind of report: a correction cannot set "
            "or change it."
        )
    if not errors:
        (row,) = rows_where(Report.id == found.id)
        if values["category"] == row.category and values["level"] == row.level:
            errors["category"] = gettext("Nothing changed: choose another category or level.")
    if errors:
        return render_report(found, errors, values, 422)
    actions.correct(found, current_user, values["category"], values["level"], values["comment"])
    flash(gettext("The correction is saved. The guard's original is kept."), "notice")
    return redirect(url_for("review.report", report_id=found.id))


@bp.post("/reports/<uuid:report_id>/work-order")
def create_work_order(report_id: uuid.UUID):
    found = report_or_404(report_id)
    existing = db.session.scalar(sa.select(WorkOrder).where(WorkOrder.report_id == found.id))
    if existing is not None:
        return render_report(
            found,
            {"work_order": gettext("This report already has a work order.")},
            status=409,
        )
    values, errors = forms.read_work_order(request.form)
    if errors:
        return render_report(found, errors, values, 422)
    try:
        actions.create_work_order(found, current_user, **values)
    except actions.AlreadyOrdered:
        return render_report(
            found, {"work_order": gettext("This report already has a work order.")}, status=409
        )
    flash(gettext("Work order created for the day crew."), "notice")
    return redirect(url_for("review.report", report_id=found.id))


# --- work orders --------------------------------------------------------------------------

WORK_ORDER_VIEWS = ("open", "done", "all")


@bp.get("/work-orders")
def work_orders():
    show, property_id = read_work_order_filters(request.args)
    return render_work_orders(show, property_id, page=read_page(request.args))


def read_page(values) -> int:
    page = positive_int(values.get("page") or "1", forms.MAX_PAGE)
    if page is None:
        raise ApiError(400, gettext("The page must be a whole number from 1."))
    return page


@bp.get("/work-orders/print")
def work_orders_print():
    """The day crew's sheets: one printed page per property, its address at the top."""
    show, property_id = read_work_order_filters(request.args)
    orders = work_orders_in_order(show, property_id)
    return render_template(
        "review/work_orders_print.html",
        properties=list(group_by_property(orders).items()),
        show=show,
        property_id=property_id,
        count=len(orders),
        now=utcnow(),
    )


def read_work_order_filters(args) -> tuple[str, int | None]:
    show = args.get("status", "open")
    if show not in WORK_ORDER_VIEWS:
        raise ApiError(400, gettext("Unknown status filter."))
    chosen = (args.get("property") or "").strip()
    if not chosen:
        return show, None
    property_id = row_id(chosen)
    if property_id is None:
        raise ApiError(400, gettext("Choose a property from the list."))
    return show, property_id


def group_by_property(orders: list[WorkOrder]) -> dict:
    """{property: [orders]} in the orders' order (by area and property name)."""
    groups: dict = {}
    for order in orders:
        groups.setdefault(order.property, []).append(order)
    return groups


def render_work_orders(
    show: str,
    property_id: int | None = None,
    errors: dict | None = None,
    notes: dict | None = None,
    status=200,
    page: int = 1,
):
    """The day crew's list, grouped by area and property. The open ones all, most urgent
    first in each property; the done ones (and all) a page at a time, newest first
    (`work_order_page`): after three years they are thousands. Print and CSV stay whole."""
    if show == "open":
        orders = work_orders_in_order(show, property_id)
        total, pages, page = len(orders), 1, 1
    else:
        orders, total = work_order_page(show, property_id, page, PAGE_SIZE)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    rows = load_report_rows([o.report for o in orders])  # photos of each order's report
    photos = {r.report.id: r.report.photos for r in rows}
    groups: dict = {}
    for order in orders:
        area = groups.setdefault(order.property.area, {})
        area.setdefault(order.property, []).append(order)
    return render_template(
        "review/work_orders.html",
        groups=groups,
        show=show,
        property_id=property_id,
        properties=properties_with_area(),
        photos=photos,
        count=total,
        page=page,
        pages=pages,
        errors=errors or {},
        notes=notes or {},
        now=utcnow(),
    ), status


@bp.post("/work-orders/<int:order_id>/done")
def work_order_done(order_id: int):
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        abort(404)
    show = request.form.get("show", "open")
    show = show if show in WORK_ORDER_VIEWS else "open"
    property_id = row_id(request.form.get("property"))
    page = positive_int(request.form.get("page") or "1", forms.MAX_PAGE) or 1
    already = {order.id: gettext("This work order is already done.")}
    if order.status == "done":
        return render_work_orders(show, property_id, already, status=409, page=page)
    note, error = forms.read_comment(request.form, "note", required=True)
    if error:
        return render_work_orders(
            show, property_id, {order.id: error}, {order.id: note}, 422, page=page
        )
    try:
        actions.complete_work_order(order, current_user, note)
    except actions.AlreadyDone:
        return render_work_orders(show, property_id, already, status=409, page=page)
    flash(gettext("The work order is done."), "notice")
    return redirect(
        url_for(
            "review.work_orders",
            status=show,
            property=property_id,
            page=page if page > 1 else None,
        )
    )


@bp.get("/properties/<int:property_id>")
def property_page(property_id: int):
    prop = db.session.scalar(
        sa.select(Property).options(joinedload(Property.area)).where(Property.id == property_id)
    )
    if prop is None:
        abort(404)
    since = current_night() - timedelta(days=30)
    recent = recent_rows_at(prop.id, since)
    return render_template(
        "review/property.html",
        prop=prop,
        open_orders=open_work_orders_at(prop.id),
        recent=recent,
        since=since,
    )


# --- exports ------------------------------------------------------------------------------


@bp.get("/export.csv")
def export_csv():
    """?from=&to=&what=reports|checkins|work-orders|sos (reports when left out)."""
    from patrol.review.export_csv import EXPORTS, export_csv, export_filename

    what = request.args.get("what", "reports")
    if what not in EXPORTS:
        raise ApiError(
            400, gettext("Choose reports, check-ins, work orders or SOS alerts to export.")
        )
    night_range, error = forms.read_export_range(request.args)
    if error:
        raise ApiError(400, error)
    first, last = night_range
    return Response(
        export_csv(what, first, last),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{export_filename(what, first, last)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/nights/<night>.pdf")
def night_pdf(night: str):
    from patrol.review.export_pdf import night_report_pdf

    night_date = parse_night(night)
    kept = db.session.scalar(
        sa.select(NightReview)
        .options(undefer(NightReview.pdf))
        .where(NightReview.night == night_date)
        .order_by(NightReview.version.desc())
        .limit(1)
    )
    if kept is not None:  # the latest version kept by "Natten granskad"
        return kept_pdf_response(kept)
    filename = f"nattrapport-{night_date.isoformat()}.pdf"
    headers = {"Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{filename}"'}
    return Response(night_report_pdf(night_date), mimetype="application/pdf", headers=headers)


@bp.get("/nights/<night>/versions/<int:version>.pdf")
def night_version_pdf(night: str, version: int):
    """A kept version of the night's record, byte for byte (every version stays available)."""
    kept = db.session.scalar(
        sa.select(NightReview)
        .options(undefer(NightReview.pdf))
        .where(NightReview.night == parse_night(night), NightReview.version == version)
    )
    if kept is None:
        abort(404)
    return kept_pdf_response(kept)


def kept_pdf_response(kept: NightReview) -> Response:
    filename = f"nattrapport-{kept.night.isoformat()}-granskad-v{kept.version}.pdf"
    if kept.version == 1:  # the name version 1 always had
        filename = f"nattrapport-{kept.night.isoformat()}-granskad.pdf"
    return Response(
        kept.pdf,
        mimetype="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "X-Content-SHA256": kept.sha256,
            "X-Record-Version": str(kept.version),
            "Content-Disposition": f'inline; filename="{filename}"',
        },
    )


# --- theme --------------------------------------------------------------------------------


@bp.post("/theme")
def theme():
    chosen = request.form.get("theme")
    if chosen not in ("dark", "light"):
        raise ApiError(400, gettext("Choose the dark or the light theme."))
    response = redirect(local_path(request.form.get("next"), url_for("review.tonight")))
    response.set_cookie(THEME_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    return response
