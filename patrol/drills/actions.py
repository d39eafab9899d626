"""Starting a drill, the phone's "seen" and "answered", and the desk's list."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.drills.models import Drill
from patrol.errors import ApiError, field_error
from patrol.push import queue
from patrol.shifts.models import Shift

# A drill not answered within this time is no longer shown on the phone (it stays on the
# desk's list as unanswered): a guard opening the app next evening must not get last night's.
PENDING_FOR = timedelta(hours=2)
LIST_LIMIT = 200


def guards_on_shift() -> list[tuple[User, Shift]]:
    """The guards a drill can be sent to: on a shift now, by name."""
    shifts = queue.open_shifts()
    latest: dict[int, Shift] = {}
    for shift in shifts:
        if shift.guard_id not in latest or shift.started_at > latest[shift.guard_id].started_at:
            latest[shift.guard_id] = shift
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(list(latest))))}
    pairs = [(users[gid], shift) for gid, shift in latest.items() if gid in users]
    return sorted(pairs, key=lambda pair: pair[0].display_name.lower())


def start_drill(guard_id: int, by: User) -> Drill:
    """A drill for a guard on shift, its push in the same transaction; 422 otherwise."""
    on_shift = {user.id: shift for user, shift in guards_on_shift()}
    shift = on_shift.get(guard_id)
    if shift is None:
        raise field_error("guard_id", gettext("Choose a guard who is on shift now."))
    drill = Drill(
        id=uuid.uuid4(), guard_id=guard_id, shift_id=shift.id, started_by_id=by.id, sent_at=utcnow()
    )
    db.session.add(drill)

    def render(_user: User) -> dict:
        return {
            "title": gettext("Alarm drill"),
            "body": gettext("This is a drill. Open the app and answer."),
            "url": f"/#drill-{drill.id}",
            "tag": f"drill-{drill.id}",
            "id": str(drill.id),
        }

    queue.queue_push({guard_id}, "drill", render)
    db.session.commit()
    return drill


def own_drill(drill_id: uuid.UUID, user: User) -> Drill:
    drill = db.session.get(Drill, drill_id)
    if drill is None:
        raise ApiError(404)
    if drill.guard_id != user.id:
        raise ApiError(403, gettext("This drill was sent to another guard."))
    return drill


def mark_seen(drill: Drill, seen_at: datetime) -> Drill:
    """The first "seen" counts; a repeat (the same record sent again, or a second device)
    changes nothing. Idempotent: the answer is the drill as stored."""
    if drill.seen_at is None:
        drill.seen_at = seen_at
        drill.seen_received_at = utcnow()
        db.session.commit()
    return drill


def mark_answered(drill: Drill, answered_at: datetime) -> Drill:
    """The first answer counts. An answer implies the phone had the drill: it is seen too."""
    now = utcnow()
    if drill.seen_at is None:
        drill.seen_at = answered_at
        drill.seen_received_at = now
    if drill.answered_at is None:
        drill.answered_at = answered_at
        drill.answered_received_at = now
    db.session.commit()
    return drill


def pending_for(user: User) -> list[Drill]:
    """The user's drills not yet answered, sent in the last PENDING_FOR."""
    return list(
        db.session.scalars(
            sa.select(Drill)
            .options(joinedload(Drill.started_by))
            .where(
                Drill.guard_id == user.id,
                Drill.answered_at.is_(None),
                Drill.sent_at >= utcnow() - PENDING_FOR,
            )
            .order_by(Drill.sent_at)
        )
    )


def recent_drills(limit: int = LIST_LIMIT) -> list[Drill]:
    return list(
        db.session.scalars(
            sa.select(Drill)
            .options(joinedload(Drill.guard), joinedload(Drill.started_by))
            .order_by(Drill.sent_at.desc())
            .limit(limit)
        )
    )
