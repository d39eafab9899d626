"""Alone at night, point 0: a shift has an area.

A guard assigned to one area starts in it without saying so; a guard with several picks one
(the phone sends `area_id`, from the areas of its cached sites document); an area the guard is
not assigned to, or an unknown one, is refused with 422 and nothing is stored; the end of a
shift keeps its area. Per-area alarm limits are set in /admin/ on the area and fall back to the
configured defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.shifts.models import Shift
from patrol.sites.models import Area, alarm_minutes
from tests.support.areas import other_area_and_assignment
from tests.support.review import login_page_client


def put_shift(api, shift_id, **extra):
    started = datetime.now(UTC) - timedelta(hours=1)
    body = {"started_at": started.isoformat(), **extra}
    return api.put(f"/api/v1/shifts/{shift_id}", json=body), started


def stored_area(app, shift_id):
    with app.app_context():
        shift = db.session.get(Shift, uuid.UUID(str(shift_id)))
        return None if shift is None else (shift.area_id,)


def test_a_guard_with_one_area_starts_in_it(api_as, seeded):
    other_area_and_assignment(seeded)  # the guard: the demo area only
    with seeded.app_context():
        home = db.session.scalar(sa.select(Area.id).order_by(Area.id))
    guard = api_as("guard")
    shift_id = uuid.uuid4()
    response, started = put_shift(guard, shift_id)
    assert response.status_code == 201 and response.json["area_id"] == home
    assert stored_area(seeded, shift_id) == (home,)
    # The end keeps it (and a phone that sends it again changes nothing).
    end = guard.put(
        f"/api/v1/shifts/{shift_id}",
        json={"started_at": started.isoformat(), "ended_at": datetime.now(UTC).isoformat()},
    )
    assert end.status_code == 200, end.json
    assert stored_area(seeded, shift_id) == (home,)


def test_a_guard_with_several_areas_picks_one_and_only_their_own(api_as, seeded):
    other_area_and_assignment(seeded)
    with seeded.app_context():
        areas = db.session.scalars(sa.select(Area).order_by(Area.id)).all()
        home, other = areas[0].id, areas[1].id
        third = Area(name="Hyllie", city="Malmö")
        db.session.add(third)
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        guard.areas = [areas[0], areas[1]]
        db.session.commit()
        third_id = third.id
    guard = api_as("guard")
    # Several areas and none chosen: stored without one (the desk shows the default limits).
    unchosen = uuid.uuid4()
    assert put_shift(guard, unchosen)[0].status_code == 201
    assert stored_area(seeded, unchosen) == (None,)
    chosen = uuid.uuid4()
    response, _ = put_shift(guard, chosen, area_id=other)
    assert response.status_code == 201 and response.json["area_id"] == other
    # Not one of the guard's areas, or no such area: 422 naming the field, nothing stored.
    for area_id in (third_id, 999_999):
        refused_id = uuid.uuid4()
        refused, _ = put_shift(guard, refused_id, area_id=area_id)
        assert refused.status_code == 422, refused.json
        assert "area_id" in refused.json["errors"]
        assert stored_area(seeded, refused_id) is None
    # The phone's list is the sites document: exactly the guard's two areas.
    listed = [a["id"] for a in guard.get("/api/v1/sites").json["areas"]]
    assert sorted(listed) == sorted([home, other])


def test_a_guard_with_no_areas_may_start_in_any_active_area(api_as, seeded):
    other_area_and_assignment(seeded)
    with seeded.app_context():
        other = db.session.scalars(sa.select(Area.id).order_by(Area.id)).all()[1]
    guard2 = api_as("guard2")
    shift_id = uuid.uuid4()
    response, _ = put_shift(guard2, shift_id, area_id=other)
    assert response.status_code == 201 and stored_area(seeded, shift_id) == (other,)
    unchosen = uuid.uuid4()
    assert put_shift(guard2, unchosen)[0].status_code == 201
    assert stored_area(seeded, unchosen) == (None,)


def test_the_areas_alarm_limits_are_set_in_admin_with_defaults_from_config(seeded):
    admin = login_page_client(seeded, "admin")
    with seeded.app_context():
        area = db.session.scalar(sa.select(Area).order_by(Area.id))
        area_id, name, city = area.id, area.name, area.city
        assert alarm_minutes(area, "silence_minutes") == 45
        assert alarm_minutes(area, "sos_escalation_minutes") == 3
        assert alarm_minutes(area, "silence_escalation_minutes") == 15
        assert alarm_minutes(None, "silence_minutes") == 45
    page = admin.get(f"/admin/areas/{area_id}")
    assert b'name="silence_minutes"' in page.data
    form = {"csrf_token": admin.csrf, "name": name, "city": city, "duty_phone": ""}
    bad = admin.post(
        f"/admin/areas/{area_id}",
        data=form | {"silence_minutes": "5", "sos_escalation_minutes": "x"},
    )
    assert bad.status_code == 422
    saved = admin.post(
        f"/admin/areas/{area_id}",
        data=form
        | {
            "silence_minutes": "30",
            "sos_escalation_minutes": "",
            "silence_escalation_minutes": "10",
        },
    )
    assert saved.status_code == 302, saved.data
    with seeded.app_context():
        area = db.session.get(Area, area_id)
        assert (area.silence_minutes, area.sos_escalation_minutes) == (30, None)
        assert alarm_minutes(area, "silence_minutes") == 30
        assert alarm_minutes(area, "sos_escalation_minutes") == 3
        assert alarm_minutes(area, "silence_escalation_minutes") == 10
        seeded.config["SILENCE_MINUTES"] = 50
        area.silence_minutes = None
        assert alarm_minutes(area, "silence_minutes") == 50
