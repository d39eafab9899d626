"""Admin pages: the checkpoint form, replacing a QR code, and the QR stickers' PDF."""

from __future__ import annotations

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from patrol.admin import actions, stickers
from patrol.admin.pages import bp, entity_form, get_or_404
from patrol.admin.schemas import (
    CheckpointIn,
)
from patrol.auth.roles import ADMIN_ROLES
from patrol.db import db
from patrol.errors import ApiError
from patrol.reports.models import Report
from patrol.sites.models import Checkpoint, Property

# --- checkpoints -----------------------------------------------------------------------------

CHECKPOINT_FORM_FIELDS = (
    "label",
    "short_code",
    "lat",
    "lon",
    "position_accuracy_m",
    "radius_m",
    "instructions",
)


@bp.route("/properties/<int:property_id>/checkpoints/new", methods=["GET", "POST"])
@bp.route("/checkpoints/<int:checkpoint_id>", methods=["GET", "POST"])
def checkpoint(checkpoint_id: int | None = None, property_id: int | None = None):
    if checkpoint_id:
        point = get_or_404(Checkpoint, checkpoint_id)
        prop = point.property
    else:
        prop = get_or_404(Property, property_id)
        point = Checkpoint(property_id=prop.id, radius_m=50.0)
    errors = {}
    if request.method == "POST":
        values, errors = entity_form(CheckpointIn(), CHECKPOINT_FORM_FIELDS)
        errors = errors or actions.save_checkpoint(point, values)
        if not errors:
            flash(gettext("Saved."), "notice")
            return redirect(url_for("admin.checkpoint", checkpoint_id=point.id))
        db.session.rollback()
    return render_template(
        "admin/checkpoint.html",
        point=point,
        prop=prop,
        errors=errors,
        form=request.form if errors else None,
        checkin_url=stickers.checkin_url(point.token) if point.id else None,
        checkins=actions.checkin_counts(Checkpoint.id, [point.id]).get(point.id, 0)
        if point.id
        else 0,
        reports=actions.report_counts(Report.checkpoint_id, [point.id]).get(point.id, 0)
        if point.id
        else 0,
    ), (422 if errors else 200)


@bp.route("/checkpoints/<int:checkpoint_id>/rotate", methods=["GET", "POST"])
def rotate(checkpoint_id: int):
    """ "Byt QR-kod" asks first: the sticker on the wall stops counting for rounds at once, so a
    stray tap must not retire it. GET (and a POST without `confirm=yes`) shows the question; the
    POST from its button replaces the code."""
    point = get_or_404(Checkpoint, checkpoint_id)
    if current_user.role not in ADMIN_ROLES:  # supervisors read the set-up, never change it
        raise ApiError(403, gettext("Supervisors can read the set-up; only admins change it."))
    if request.method == "GET" or request.form.get("confirm") != "yes":
        return render_template("admin/rotate_confirm.html", point=point)
    actions.rotate_token(point)
    flash(
        gettext("New QR code made. Print the new sticker: the old one no longer counts."),
        "notice",
    )
    return redirect(url_for("admin.checkpoint", checkpoint_id=point.id))


# --- stickers --------------------------------------------------------------------------------


@bp.get("/stickers.pdf")
def stickers_pdf():
    """A4 QR stickers for ?area=ID, ?property=ID or ?checkpoint=ID&checkpoint=ID..."""
    points = stickers.chosen_checkpoints(request.args)
    if not points:
        raise ApiError(
            404, gettext("No active checkpoints chosen: give area=, property= or checkpoint=.")
        )
    body = stickers.render_pdf(points)
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": 'inline; filename="nattpatrull-qr.pdf"'},
    )
