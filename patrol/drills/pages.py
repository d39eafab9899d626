"""/review/drills: start a drill for a guard on shift; the list of drills is the proof."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from patrol.db import db
from patrol.drills import actions
from patrol.errors import ApiError
from patrol.params import row_id
from patrol.security import reviewer_page

bp = Blueprint("drills", __name__, url_prefix="/review", template_folder="templates")


@bp.get("/drills")
@reviewer_page
def drills_page():
    return render_drills()


def render_drills(error: str | None = None, status: int = 200):
    return render_template(
        "drills/drills.html",
        on_shift=actions.guards_on_shift(),
        drills=actions.recent_drills(),
        error=error,
    ), status


@bp.post("/drills")
@reviewer_page
def start_drill():
    guard_id = row_id(request.form.get("guard_id")) or -1
    try:
        drill = actions.start_drill(guard_id, current_user)
    except ApiError as error:
        db.session.rollback()
        message = "; ".join(m for msgs in (error.errors or {}).values() for m in msgs)
        return render_drills(message or error.message or gettext("Not sent."), 422)
    return redirect(url_for("drills.drills_page") + f"#drill-{drill.id}", 303)
