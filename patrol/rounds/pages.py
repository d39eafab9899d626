"""Rounds pages: a route's last 30 nights (/review/routes/<id>), "Just nu" (/review/now) for
the duty supervisor, and the plans (/admin/routes: admins write, supervisors read)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_datetime
from sqlalchemy.orm import joinedload

from patrol.db import db, utcnow
from patrol.rounds import timeline
from patrol.rounds.models import RoundSkip, Route
from patrol.rounds.rules import (
    OUTCOME_LABELS,
    ROUND_STATUS_LABELS,
    SKIP_REASONS,
    THRESHOLDS,
    night_compliance,
    route_history,
)
from patrol.security import reviewer_page
from patrol.shifts.models import CheckIn, Shift, night_of

bp = Blueprint("rounds", __name__, template_folder="templates")

HISTORY_NIGHTS = 30
# A shift left open longer than this is forgotten, not "on shift" (the longest is 9.5 h).
OPEN_SHIFT_LIMIT = timedelta(hours=16)


def format_time(moment) -> str:
    return format_datetime(moment, "HH:mm") if moment else "–"


def template_helpers() -> dict:
    """What the rounds templates use, also when another package's page includes them."""
    return {
        "format_time": format_time,
        "axis_for": timeline.axis_for,
        "bands": timeline.bands,
        "ticks": timeline.ticks,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "ROUND_STATUS_LABELS": ROUND_STATUS_LABELS,
        "SKIP_REASONS": SKIP_REASONS,
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
    last = night_of(utcnow())
    history = route_history(route, last, HISTORY_NIGHTS)
    return render_template(
        "rounds/route.html",
        route=route,
        history=history,
        axis=timeline.axis_for(history.nights),
        nights=HISTORY_NIGHTS,
    )


# --- Just nu ------------------------------------------------------------------------------------


def not_heard_after() -> timedelta:
    minutes = current_app.config.get("ROUNDS_NOT_HEARD_MINUTES", THRESHOLDS.not_heard_minutes)
    return timedelta(minutes=int(minutes))


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
    heard = {s.id: s.received_at for s in shifts}
    for model in (CheckIn, Report, RoundSkip):
        for shift_id, latest in db.session.execute(
            sa.select(model.shift_id, sa.func.max(model.received_at))
            .where(model.shift_id.in_(ids))
            .group_by(model.shift_id)
        ):
            heard[shift_id] = max(heard[shift_id], latest)
    limit = not_heard_after()
    compliance = night_compliance(night_of(now), now)
    running = [
        (route, r) for route, rn in compliance.rows for r in rn.rounds if r.status == "in_progress"
    ]
    guards = [
        {
            "shift": s,
            "heard": heard[s.id],
            "not_heard": now - heard[s.id] > limit,
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
        "limit_minutes": int(limit.total_seconds() // 60),
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
        night_date = date.fromisoformat(night)
    except ValueError:
        abort(404)
    return Response(
        compliance_csv(night_date),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="rundor-{night_date.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )
