"""The phone's lone-worker records (alone at night, points 1-3):

PUT /api/v1/shifts/<uuid>/heartbeat   the app opened or came to the foreground
PUT /api/v1/timers/<uuid>             a "Jag är OK" timer: start, extend, stop
PUT /api/v1/no-coverage/<uuid>        "Utan täckning": start, end early

Each is an idempotent PUT to its own URL (the phone's UUID): a repeat changes nothing, and
a timer or window moves only forward (extended, stopped, ended), so a late copy of an older
state is answered with the stored one and never undoes a newer one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, jsonify
from flask_login import current_user

from patrol.alarms.actions import answer_alarm, mark_heard
from patrol.alarms.models import CheckinTimer, NoCoverage
from patrol.alarms.schemas import (
    HeartbeatIn,
    HeartbeatOut,
    NoCoverageIn,
    NoCoverageOut,
    TimerIn,
    TimerOut,
)
from patrol.auth.roles import PATROL_ROLES
from patrol.db import db, utcnow
from patrol.errors import ApiError
from patrol.openapi import documented
from patrol.security import roles_required
from patrol.shifts.models import Shift
from patrol.shifts.rules import own_shift
from patrol.sync import alone, conflict, json_body

bp = Blueprint("alarms", __name__)


@bp.put("/api/v1/shifts/<uuid:shift_id>/heartbeat")
@roles_required(*PATROL_ROLES)
@documented(
    request=HeartbeatIn,
    responses={200: HeartbeatOut},
    summary="The app opened or came to the foreground (only the last is kept)",
)
def put_heartbeat(shift_id: uuid.UUID):
    HeartbeatIn().load(json_body())
    if own_shift(shift_id, field="shift_id").ended_at is None:
        # An ended shift is on the record (and perhaps signed): a heartbeat changes nothing.
        now = utcnow()
        db.session.execute(
            sa.update(Shift).where(Shift.id == shift_id).values(last_heartbeat_at=now)
        )
        mark_heard(current_user.id, now)
    shift = db.session.get(Shift, shift_id)
    return jsonify(HeartbeatOut().dump(shift))


def _locked(model, record_id):
    return db.session.scalar(sa.select(model).where(model.id == record_id).with_for_update())


@bp.put("/api/v1/timers/<uuid:timer_id>")
@alone
@roles_required(*PATROL_ROLES)
@documented(
    request=TimerIn,
    responses={200: TimerOut, 201: TimerOut},
    summary='A "Jag är OK" timer: start, extend (extended_at, minutes), stop (stopped_at)',
)
def put_timer(timer_id: uuid.UUID):
    data = TimerIn().load(json_body())
    shift = own_shift(data["shift_id"])
    due = (data["extended_at"] or data["started_at"]) + timedelta(minutes=data["minutes"])
    position = {k: data[k] for k in ("lat", "lon", "accuracy_m")}
    timer = _locked(CheckinTimer, timer_id)
    if timer is None:
        timer = CheckinTimer(
            id=timer_id,
            shift_id=shift.id,
            guard_id=current_user.id,
            task=data["task"],
            started_at=data["started_at"],
            minutes=data["minutes"],
            due_at=due,
            stopped_at=data["stopped_at"],
            received_at=utcnow(),
            **position,
        )
        db.session.add(timer)
        db.session.commit()
        return jsonify(TimerOut().dump(timer)), 201
    if timer.guard_id != current_user.id:
        db.session.rollback()
        raise ApiError(403)
    if timer.shift_id != shift.id or timer.started_at != data["started_at"]:
        db.session.rollback()
        raise conflict()
    if timer.stopped_at is None and (data["stopped_at"] or due > timer.due_at):
        # Forward only: an extension moves the due time on; "Jag är OK" stops it.
        if due > timer.due_at:
            timer.due_at, timer.minutes = due, data["minutes"]
        timer.stopped_at = data["stopped_at"]
        if position["lat"] is not None:
            timer.lat, timer.lon, timer.accuracy_m = (
                position["lat"],
                position["lon"],
                position["accuracy_m"],
            )
        if timer.alarm_id is not None:
            # After its alarm: the alarm shows "Väktaren svarade 02:14" and stays open.
            answer_alarm(timer.alarm_id, utcnow())
    db.session.commit()
    return jsonify(TimerOut().dump(timer)), 200


@bp.put("/api/v1/no-coverage/<uuid:window_id>")
@alone
@roles_required(*PATROL_ROLES)
@documented(
    request=NoCoverageIn,
    responses={200: NoCoverageOut, 201: NoCoverageOut},
    summary='"Utan täckning": the silence alarm waits 10, 20, 30 or 60 minutes; end early',
)
def put_no_coverage(window_id: uuid.UUID):
    data = NoCoverageIn().load(json_body())
    shift = own_shift(data["shift_id"])
    window = _locked(NoCoverage, window_id)
    if window is None:
        window = NoCoverage(
            id=window_id,
            shift_id=shift.id,
            guard_id=current_user.id,
            started_at=data["started_at"],
            minutes=data["minutes"],
            ends_at=data["started_at"] + timedelta(minutes=data["minutes"]),
            ended_at=data["ended_at"],
            received_at=utcnow(),
        )
        db.session.add(window)
        db.session.commit()
        return jsonify(NoCoverageOut().dump(window)), 201
    if window.guard_id != current_user.id:
        db.session.rollback()
        raise ApiError(403)
    same_start = (window.shift_id, window.started_at, window.minutes) == (
        shift.id,
        data["started_at"],
        data["minutes"],
    )
    if not same_start:
        db.session.rollback()
        raise conflict()
    if window.ended_at is None and data["ended_at"] is not None:
        window.ended_at = data["ended_at"]
    db.session.commit()
    return jsonify(NoCoverageOut().dump(window)), 200
