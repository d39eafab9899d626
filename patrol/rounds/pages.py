"""Rounds pages: a route's last 30 nights (/review/routes/<id>), "Just nu" (/review/now) for
the duty supervisor, and the plans (/admin/routes: admins write, supervisors read)."""

from __future__ import annotations

from datetime import time, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from patrol.auth.roles import ADMIN_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.nights import night_of, tonight
from patrol.params import iso_date, row_id
from patrol.rounds import timeline
from patrol.rounds.actions import earliest_valid_from, save_plan
from patrol.rounds.forms import PlanForm, apply_op, check_form, form_from_schedule, read_form
from patrol.rounds.labels import OUTCOME_LABELS, ROUND_STATUS_LABELS, SKIP_REASONS
from patrol.rounds.models import RoundSkip, Route
from patrol.rounds.queries import load_plans, night_compliance, route_history
from patrol.rounds.rules import local_hhmm, plan_in_force, wall_instant
from patrol.security import reviewer_page
from patrol.shifts.models import CheckIn, Shift
from patrol.sites.models import Area, Property, alarm_minutes

bp = Blueprint("rounds", __name__, template_folder="templates")

HISTORY_NIGHTS = 30
# A shift left open longer than this is forgotten, not "on shift" (the longest is 9.5 h).
OPEN_SHIFT_LIMIT = timedelta(hours=16)


def template_helpers() -> dict:
    """What the rounds templates use, also when another package's page includes them."""
    return {
        "format_time": local_hhmm,
        "axis_for": timeline.axis_for,
        "timeline_svg": timeline.timeline_svg,
        # Resolved once per page: a lazy label looks its catalog up on every use.
        "OUTCOME_LABELS": {k: str(v) for k, v in OUTCOME_LABELS.items()},
        "ROUND_STATUS_LABELS": {k: str(v) for k, v in ROUND_STATUS_LABELS.items()},
        "SKIP_REASONS": {k: str(v) for k, v in SKIP_REASONS.items()},
    }


@bp.context_processor
def helpers():
    return template_helpers()


# --- a route's history --------------------------------------------------------------------------


@bp.get("/review/routes/<int:route_id>")
@reviewer_page
def route_page(route_id: int):
    route = db.session.get(Route, route_id)
    if route is None:
        abort(404)
    last = tonight()
    history = route_history(route, last, HISTORY_NIGHTS)
    return render_template(
        "rounds/route.html",
        route=route,
        history=history,
        nights=HISTORY_NIGHTS,
    )


# --- Just nu ------------------------------------------------------------------------------------


def not_heard_after(shift: Shift) -> timedelta:
    """The one silence rule (alone at night): the shift's area's silence minutes, by default
    PATROL_SILENCE_MINUTES; the server's silence alarm goes at the same moment."""
    return timedelta(minutes=alarm_minutes(shift.area, "silence_minutes"))


def now_board() -> dict:
    """Who is on shift, when each was last heard from, and the rounds of tonight in progress.
    A fixed number of queries, whatever the number of guards."""
    from patrol.reports.models import Report

    now = utcnow()
    shifts = list(
        db.session.scalars(
            sa.select(Shift)
            .options(joinedload(Shift.guard))
            .where(Shift.ended_at.is_(None), Shift.started_at >= now - OPEN_SHIFT_LIMIT)
            .order_by(Shift.started_at)
        )
    )
    ids = [s.id for s in shifts]
    heard = {s.id: max(t for t in (s.received_at, s.last_heard_at) if t) for s in shifts}
    for model in (CheckIn, Report, RoundSkip):
        for shift_id, latest in db.session.execute(
            sa.select(model.shift_id, sa.func.max(model.received_at))
            .where(model.shift_id.in_(ids))
            .group_by(model.shift_id)
        ):
            heard[shift_id] = max(heard[shift_id], latest)
    compliance = night_compliance(night_of(now), now)
    running = [
        (route, r) for route, rn in compliance.rows for r in rn.rounds if r.status == "in_progress"
    ]
    guards = [
        {
            "shift": s,
            "heard": heard[s.id],
            "not_heard": now - heard[s.id] >= not_heard_after(s),
            "limit_minutes": int(not_heard_after(s).total_seconds() // 60),
            "rounds": [
                (route, r)
                for route, r in running
                if any(c.visit and c.visit.guard_id == s.guard_id for c in r.checkpoints)
            ],
        }
        for s in shifts
    ]
    return {
        "guards": guards,
        "running": running,
        "checkpoints": compliance.checkpoints,
        "now": now,
    }


@bp.get("/review/now")
@reviewer_page
def now_page():
    board = now_board()
    if request.args.get("part") == "board":  # what static/js/review/now.js refreshes
        return render_template("rounds/_now_board.html", **board)
    return render_template("rounds/now.html", **board)


# --- the night's compliance as CSV -------------------------------------------------------------


@bp.get("/review/nights/<night>/rounds.csv")
@reviewer_page
def compliance_csv_page(night: str):
    from patrol.rounds.exports import compliance_csv

    try:
        night_date = iso_date(night)  # ASCII digits, years 2000-2099
    except ValueError:
        abort(404)
    if night_date is None:
        abort(404)
    return Response(
        compliance_csv(night_date),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="rundor-{night_date.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


# --- plans: /admin/routes (admins write, supervisors read) -------------------------------------
# Served here until the admin package has its own home for them; the layout is the review one.


def can_edit() -> bool:
    return current_user.role in ADMIN_ROLES


def require_editor() -> None:
    if not can_edit():
        raise ApiError(403)


def area_choices():
    """Areas with their properties and checkpoints, for the editor's "Lägg till" list."""
    return db.session.scalars(
        sa.select(Area)
        .options(selectinload(Area.properties).selectinload(Property.checkpoints))
        .order_by(Area.name)
    ).all()


@bp.get("/admin/routes")
@reviewer_page
def admin_routes():
    routes = db.session.scalars(
        sa.select(Route).options(joinedload(Route.area)).order_by(Route.name)
    ).all()
    plans = load_plans()
    tonight = night_of(utcnow())
    current = {r.id: plan_in_force(plans.get(r.id, []), tonight) for r in routes}
    upcoming = {r.id: [p for p in plans.get(r.id, []) if p.valid_from > tonight] for r in routes}
    return render_template(
        "rounds/admin_routes.html",
        routes=routes,
        current=current,
        upcoming=upcoming,
        can_edit=can_edit(),
    )


def render_editor(route, form: PlanForm, area, status: int = 200):
    checkpoints = {c.id: (p, c) for p in area.properties for c in p.checkpoints}
    return (
        render_template(
            "rounds/admin_route.html",
            route=route,
            form=form,
            area=area,
            areas=area_choices() if route is None else [area],
            checkpoints=checkpoints,
            can_edit=can_edit(),
            versions=route.schedules if route else [],
        ),
        status,
    )


def chosen_area(route, data) -> Area:
    if route is not None:
        return db.session.get(Area, route.area_id)
    raw = (data or {}).get("area", "")
    area = db.session.get(Area, row_id(str(raw))) if row_id(str(raw)) else None
    return area or db.session.scalar(sa.select(Area).order_by(Area.name))


@bp.get("/admin/routes/new")
@reviewer_page
def admin_route_new():
    require_editor()
    area = chosen_area(None, request.args)
    if area is None:
        abort(404)
    start = time.fromisoformat(PlanForm.window_start)
    form = PlanForm(valid_from=earliest_valid_from(None, utcnow(), start).isoformat())
    return render_editor(None, form, area)


@bp.get("/admin/routes/<int:route_id>")
@reviewer_page
def admin_route(route_id: int):
    route = db.session.get(Route, route_id)
    if route is None:
        abort(404)
    latest = route.schedules[-1] if route.schedules else None
    earliest = earliest_valid_from(route.id, utcnow())
    form = form_from_schedule(route, latest, earliest) if latest else PlanForm(name=route.name)
    return render_editor(route, form, chosen_area(route, None))


@bp.post("/admin/routes/new")
@bp.post("/admin/routes/<int:route_id>")
@reviewer_page
def admin_route_save(route_id: int | None = None):
    require_editor()
    route = None
    if route_id is not None:
        route = db.session.get(Route, route_id)
        if route is None:
            abort(404)
    area = chosen_area(route, request.form)
    if area is None:
        abort(404)
    form = read_form(request.form)
    op = request.form.get("op", "save")
    if op != "save":
        apply_op(form, op, request.form.get("add_checkpoint"))
        return render_editor(route, form, area)
    now = utcnow()
    earliest = earliest_valid_from(route.id if route else None, now)
    allowed = {c.id for p in area.properties for c in p.checkpoints}
    values = check_form(form, allowed, earliest)
    if (
        values is not None
        and values["valid_from"] == night_of(now)
        and wall_instant(values["valid_from"], values["window_start"]) <= now
    ):
        form.errors["valid_from"] = gettext(
            "Tonight's window has already opened: the change can start tomorrow at the earliest."
        )
        values = None
    if values is not None:
        clash = db.session.scalar(
            sa.select(Route.id).where(
                Route.area_id == area.id,
                Route.name == values["name"],
                Route.id != (route.id if route else -1),
            )
        )
        if clash is not None:
            form.errors["name"] = gettext("The area already has a route with this name.")
            values = None
    if values is None:
        return render_editor(route, form, area, 422)
    saved = save_plan(route, area.id, values, current_user.id)
    flash(
        gettext(
            "The route is saved. The plan applies from the night of %(date)s.",
            date=values["valid_from"].isoformat(),
        )
    )
    return redirect(url_for("rounds.admin_route", route_id=saved.id))
