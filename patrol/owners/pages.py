"""The owners' portal (/owner/, role owner) and the day crew's page (/crew/, role crew).

Owner pages read only through `patrol.owners.rules`, which scopes every query to the user's
organization and to approved reports; anything else answers 404, whether it exists or not."""

from __future__ import annotations

import uuid
from datetime import date

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
from flask_babel import format_date, gettext
from flask_login import current_user

from patrol.auth.roles import CREW, OWNER
from patrol.db import db
from patrol.errors import ApiError
from patrol.extensions import login_manager
from patrol.labels import CATEGORY_LABELS, LEVEL_LABELS, template_labels
from patrol.nights import tonight
from patrol.owners import actions, exports, rules
from patrol.owners.models import WorkOrderPhoto
from patrol.reports.actions import complete_thumbnail
from patrol.reports.models import Photo
from patrol.reports.storage import photo_response

bp = Blueprint("owners", __name__, url_prefix="/owner", template_folder="templates")
crew_bp = Blueprint("crew", __name__, url_prefix="/crew", template_folder="templates")

EMAIL_CHOICES = ("morning_report", "nothing_to_report", "acute_alerts")


def role_page_check(role: str):
    """Anonymous visitors go to the login page; other roles get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != role:
        raise ApiError(403)
    return None


@bp.before_request
def owners_only():
    return role_page_check(OWNER)


@crew_bp.before_request
def crew_only():
    return role_page_check(CREW)


@bp.context_processor
@crew_bp.context_processor
def labels():
    return template_labels() | {
        "this_month": this_month().strftime("%Y-%m"),
        "name_for_owners": rules.name_for_owners,
    }


@bp.app_template_filter("month_label")
def month_label(month: date, with_year: bool = False) -> str:
    """A month as the reader says it: "nov" (or "nov 2026"), in the page's language."""
    return format_date(month, "LLL yyyy" if with_year else "LLL")


def org_id() -> int | None:
    return current_user.organization_id


def this_month() -> date:
    return tonight().replace(day=1)


def send_photo(key: str, content_type: str, etag: str):
    """From whichever photo store holds it (files or the database), with ETag and ranges."""
    return photo_response(key, mimetype=content_type, etag=etag)


def send_report_thumbnail(found: Photo):
    """A report photo's thumbnail. It may still be queued (made after the guard's upload was
    answered), so its first read makes it; a photo that cannot be decoded is its own."""
    key = complete_thumbnail(found)
    content_type = "image/jpeg" if key != found.storage_key else found.content_type
    return send_photo(key, content_type, f"{found.sha256[:32]}-t")


# --- the owner's portal -----------------------------------------------------------------------


@bp.get("/")
def index():
    month = this_month()
    history = {h.property.id: h for h in rules.month_history(org_id(), month, months=1)}
    open_orders = rules.open_order_counts(org_id())
    return render_template(
        "owners/index.html",
        properties=rules.own_properties(org_id()),
        history=history,
        open_orders=open_orders,
        month=month,
    )


@bp.get("/properties/<int:property_id>")
def property_page(property_id: int):
    prop = rules.own_property(org_id(), property_id)
    if prop is None:
        abort(404)
    month = this_month()
    (history,) = rules.month_history(org_id(), month, months=12, property_id=prop.id)
    orders = rules.property_work_orders(org_id(), prop.id)
    return render_template(
        "owners/property.html",
        prop=prop,
        rows=rules.property_reports(org_id(), prop.id),
        orders=orders,
        order_photos=rules.work_order_photos([o.id for o in orders]),
        history=history,
    )


@bp.get("/reports/<uuid:report_id>")
def report(report_id: uuid.UUID):
    row = rules.own_report(org_id(), report_id)
    if row is None:
        abort(404)
    order = row.work_order
    return render_template(
        "owners/report.html",
        row=row,
        report=row.report,
        order=order,
        order_photo=rules.work_order_photos([order.id]).get(order.id) if order else None,
    )


@bp.get("/photos/<uuid:photo_id>")
def photo(photo_id: uuid.UUID):
    found = rules.own_photo(org_id(), photo_id)
    if found is None:
        abort(404)
    if request.args.get("size") == "thumb":
        return send_report_thumbnail(found)
    return send_photo(found.storage_key, found.content_type, found.sha256[:32])


@bp.get("/work-orders/<int:order_id>/photo")
def work_order_photo(order_id: int):
    order = rules.own_work_order(org_id(), order_id)
    found = db.session.get(WorkOrderPhoto, order.id) if order else None
    if found is None:
        abort(404)
    thumb = request.args.get("size") == "thumb"
    return send_photo(
        found.thumbnail_key if thumb else found.storage_key,
        "image/jpeg" if thumb else found.content_type,
        f"{found.sha256[:32]}{'-t' if thumb else ''}",
    )


def month_or_404(text: str) -> date:
    month = rules.parse_month(text)
    if month is None or month > this_month():
        abort(404)
    return month


def charts_with_reports(history) -> dict:
    """Property id -> (bars, peak), for the properties with approved reports in the window."""
    return {h.property.id: rules.chart_bars(h) for h in history if h.has_reports}


@bp.get("/months/<month>")
def month_page(month: str):
    chosen = month_or_404(month)
    history = rules.month_history(org_id(), chosen)
    months = list(history[0].months) if history else []
    return render_template(
        "owners/month.html",
        month=chosen,
        history=history,
        # Translated once for the page, not once per bar and cell: an owner with many
        # properties has hundreds of them (issue 25, point 4).
        month_names={m: (month_label(m), m.strftime("%Y-%m")) for m in months},
        LEVEL_LABELS={k: str(v) for k, v in LEVEL_LABELS.items()},
        CATEGORY_LABELS={k: str(v) for k, v in CATEGORY_LABELS.items()},
        charts=charts_with_reports(history),
        chart_size=(rules.CHART_W, rules.CHART_H, rules.CHART_PAD),
        previous=rules.add_months(chosen, -1),
        following=rules.add_months(chosen, 1) if chosen < this_month() else None,
    )


@bp.get("/months/<month>/export.csv")
def month_csv(month: str):
    chosen = month_or_404(month)
    body = exports.month_csv(org_id(), chosen)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="rapporter-{month}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/months/<month>/export.pdf")
def month_pdf(month: str):
    chosen = month_or_404(month)
    return Response(
        exports.month_pdf(current_user.organization, chosen),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="manadsrapport-{month}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """The owner's own email choices: the morning report, "Inget att rapportera i natt" on
    quiet nights (unsubscribing is unticking the first), and acute events when approved (one
    email per acute report, `patrol.owners.notices`)."""
    if request.method == "POST":
        chosen = [kind for kind in EMAIL_CHOICES if request.form.get(kind) == "on"]
        language = request.form.get("language", "")
        if language not in current_app.config["LANGUAGES"]:
            flash(gettext("Choose a language from the list."), "error")
            return render_template("owners/settings.html", choices=EMAIL_CHOICES), 422
        if "nothing_to_report" in chosen and "morning_report" not in chosen:
            chosen.remove("nothing_to_report")
        others = [k for k in (current_user.email_prefs or []) if k not in EMAIL_CHOICES]
        current_user.email_prefs = others + chosen
        current_user.language = language
        db.session.commit()
        flash(gettext("Your email settings are saved."), "notice")
        return redirect(url_for("owners.settings"))
    return render_template("owners/settings.html", choices=EMAIL_CHOICES)


# --- the day crew ------------------------------------------------------------------------------


@crew_bp.get("/")
def crew_index():
    return render_crew()


def render_crew(errors: dict | None = None, notes: dict | None = None, status: int = 200):
    groups, photos = actions.open_orders_for(current_user)
    return render_template(
        "owners/crew.html",
        groups=groups,
        photos=photos,
        errors=errors or {},
        notes=notes or {},
        count=sum(len(orders) for props in groups.values() for orders in props.values()),
    ), status


@crew_bp.get("/photos/<uuid:photo_id>")
def crew_photo(photo_id: uuid.UUID):
    found = actions.photo_for(current_user, photo_id)
    if found is None:
        abort(404)
    return send_report_thumbnail(found)


@crew_bp.post("/work-orders/<int:order_id>/done")
def crew_done(order_id: int):
    order = actions.order_for(current_user, order_id)
    if order is None:
        abort(404)
    note = (request.form.get("note") or "").strip()
    if order.status == "done":
        flash(gettext("This work order is already done."), "error")
        return render_crew(status=409)
    if not note:
        return render_crew({order.id: gettext("Write a note.")}, {order.id: note}, 422)
    if len(note) > actions.MAX_NOTE:
        return render_crew(
            {order.id: gettext("At most %(n)d characters.", n=actions.MAX_NOTE)},
            {order.id: note},
            422,
        )
    upload = request.files.get("photo")
    body = upload.read() if upload and upload.filename else b""
    try:
        actions.complete(order, current_user, note, body)
    except ApiError as error:  # the photo is not an image we accept
        return render_crew(
            {order.id: error.message or gettext("Not a photo.")}, {order.id: note}, 422
        )
    except actions.AlreadyDone:
        flash(gettext("This work order is already done."), "error")
        return render_crew(status=409)
    flash(gettext("The work order is done."), "notice")
    return redirect(url_for("crew.crew_index"))
