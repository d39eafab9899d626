"""Which hand-overs wait for whom: read by the sites document part (the phone), the desk's
list and privacy's export.

A hand-over is a shift that has ended in an area with a note or photos. It waits for the next
shift in that area until a guard taps "Läst" on it, for at most `HANDOVER_DAYS`: a hand-over
nobody read within that time is old news, and the desk lists it as not read."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import aliased

from patrol.auth.models import User
from patrol.auth.roles import GUARD, PATROL_ROLES
from patrol.db import db
from patrol.handover.models import HandoverPhoto, HandoverRead
from patrol.shifts.models import Shift
from patrol.sites.models import Area

# How long an unread hand-over keeps travelling to the area's next shift.
HANDOVER_DAYS = 14

_HAS_PHOTO = sa.exists().where(HandoverPhoto.shift_id == Shift.id)
_READ = sa.exists().where(HandoverRead.handover_shift_id == Shift.id)

# A shift that hands something over: ended, in an area, with a text or a photo.
IS_HANDOVER = sa.and_(
    Shift.ended_at.is_not(None),
    Shift.area_id.is_not(None),
    sa.or_(sa.func.coalesce(Shift.note, "") != "", _HAS_PHOTO),
)


def readable_areas(user) -> list[int] | None:
    """The areas whose hand-overs this user's phone gets: a guard's assigned areas (None: every
    area, for a guard with none, supervisors and admins); nobody else gets any ([])."""
    if user.role not in PATROL_ROLES:
        return []
    assigned = [area.id for area in user.areas]
    return assigned if assigned and user.role == GUARD else None


def _photos_of(shift_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[HandoverPhoto]]:
    found: dict[uuid.UUID, list[HandoverPhoto]] = {}
    if shift_ids:
        for photo in db.session.scalars(
            sa.select(HandoverPhoto)
            .where(HandoverPhoto.shift_id.in_(shift_ids))
            .order_by(HandoverPhoto.received_at, HandoverPhoto.id)
        ):
            found.setdefault(photo.shift_id, []).append(photo)
    return found


def waiting(now: datetime, areas: list[int] | None) -> list[dict]:
    """The hand-overs not read yet in these areas (None: all), newest first, with their photos."""
    if areas == []:
        return []
    where = [IS_HANDOVER, ~_READ, Shift.ended_at >= now - timedelta(days=HANDOVER_DAYS)]
    if areas is not None:
        where.append(Shift.area_id.in_(areas))
    rows = db.session.execute(
        sa.select(Shift, User.display_name, Area.name)
        .join(User, User.id == Shift.guard_id)
        .join(Area, Area.id == Shift.area_id)
        .where(*where)
        .order_by(Shift.ended_at.desc(), Shift.id)
    ).all()
    photos = _photos_of([row[0].id for row in rows])
    return [
        {
            "shift": shift,
            "guard_name": guard_name,
            "area_name": area_name,
            "photos": photos.get(shift.id, []),
        }
        for shift, guard_name, area_name in rows
    ]


def count_waiting(now: datetime) -> int:
    """How many hand-overs wait to be read, in every area (the desk menu's badge)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Shift)
        .where(IS_HANDOVER, ~_READ, Shift.ended_at >= now - timedelta(days=HANDOVER_DAYS))
    )


def for_phone(now: datetime) -> list[dict]:
    """The sites document's `handovers` part: what the logged-in user's next shift must read."""
    return [
        {
            "shift_id": item["shift"].id,
            "area_id": item["shift"].area_id,
            "area_name": item["area_name"],
            "guard_name": item["guard_name"],
            "ended_at": item["shift"].ended_at,
            "text": item["shift"].note or "",
            "photos": item["photos"],
        }
        for item in waiting(now, readable_areas(current_user))
    ]


def recently_read(now: datetime, days: int = 3) -> list[tuple[HandoverRead, Shift]]:
    """The desk's "Lästa": hand-overs read in the last `days` days, the first read of each."""
    earlier = aliased(HandoverRead)
    first = (
        sa.select(sa.func.min(earlier.read_at))
        .where(earlier.handover_shift_id == HandoverRead.handover_shift_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(HandoverRead, Shift)
        .join(Shift, Shift.id == HandoverRead.handover_shift_id)
        .where(HandoverRead.read_at == first, HandoverRead.read_at >= now - timedelta(days=days))
        .order_by(HandoverRead.read_at.desc())
    )
    return [(reading, shift) for reading, shift in rows]


def may_read(user, shift: Shift) -> bool:
    """Whether this user may see this shift's hand-over (its photos): its own guard, a guard
    of its area (or of every area), supervisors and admins."""
    if shift.guard_id == user.id or user.is_reviewer:
        return True
    areas = readable_areas(user)
    return areas is None or shift.area_id in areas
