"""Helpers for the rounds tests: a planned route on the demo area, and a guard's shift,
check-ins and skips sent through the real sync API."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from patrol.db import db
from patrol.rounds.models import Route, RouteCheckpoint, Schedule
from patrol.sites.models import Area, Checkpoint, Property
from tests import factories
from tests.factories import new_id

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=STOCKHOLM)


def demo_checkpoints(app, count: int = 3) -> list[dict]:
    """The first `count` demo checkpoints (id, label, short code, token), in id order."""
    with app.app_context():
        rows = db.session.scalars(sa.select(Checkpoint).order_by(Checkpoint.id).limit(count))
        return [
            {"id": c.id, "label": c.label, "code": c.short_code, "token": c.token} for c in rows
        ]


def make_route(
    app,
    checkpoint_ids: list[int],
    *,
    name: str = "Kvällsrundan",
    valid_from: date = date(2026, 1, 1),
    weekdays=range(7),
    window: tuple[time, time] = (time(19, 30), time(4, 0)),
    rounds_per_night: int | None = 2,
    interval_minutes: int | None = None,
    tolerance_minutes: int = 15,
    route_id: int | None = None,
) -> int:
    """A route on the demo area with one plan version (or a new version of `route_id`)."""
    with app.app_context():
        if route_id is None:
            area = db.session.scalar(sa.select(Area).order_by(Area.id))
            route = Route(area_id=area.id, name=name, expected_minutes=40)
            db.session.add(route)
            db.session.flush()
            route_id = route.id
        schedule = Schedule(
            route_id=route_id,
            valid_from=valid_from,
            weekdays=list(weekdays),
            window_start=window[0],
            window_end=window[1],
            rounds_per_night=rounds_per_night,
            interval_minutes=interval_minutes,
            tolerance_minutes=tolerance_minutes,
        )
        schedule.checkpoints = [
            RouteCheckpoint(position=i, checkpoint_id=cp, instructions=f"Kontrollera dörr {i}")
            for i, cp in enumerate(checkpoint_ids, start=1)
        ]
        db.session.add(schedule)
        db.session.commit()
        return route_id


start_shift = factories.start_shift


def check_in(api, shift_id: str, checkpoint_id: int, at: datetime) -> None:
    """A check-in chosen from the list (method manual), 201."""
    response = factories.check_in(api, shift_id, checkpoint_id=checkpoint_id, occurred_at=at)
    assert response.status_code == 201, response.json


def skip(api, shift_id: str, route_id: int, checkpoint_id: int, at: datetime, /, **more):
    """PUT a skip; `more` overrides any field of the body."""
    body = {
        "shift_id": shift_id,
        "route_id": route_id,
        "checkpoint_id": checkpoint_id,
        "reason_code": "locked",
        "occurred_at": at.isoformat(),
    } | more
    return api.put(f"/api/v1/skips/{new_id()}", json=body)


def first_property_name(app) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Property.name).order_by(Property.id))
