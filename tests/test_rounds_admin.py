"""/admin/routes: admins build a route by picking and reordering checkpoints (buttons that
work without JavaScript), plan it, and change it without rewriting nights that have begun;
supervisors read; guards are refused."""

from __future__ import annotations

import re

import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.rounds.models import Route, Schedule
from tests.support.rounds import demo_checkpoints, local, make_route

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_for(page_html: str, **fields) -> dict:
    data = {
        "csrf_token": TOKEN.search(page_html).group(1),
        "name": "Nattrundan",
        "expected_minutes": "35",
        "active": "1",
        "weekday": ["0", "1", "2", "3", "6"],
        "window_start": "19:30",
        "window_end": "04:00",
        "mode": "rounds",
        "rounds_per_night": "3",
        "interval_minutes": "90",
        "tolerance_minutes": "15",
        "valid_from": "2026-11-23",
    }
    data.update(fields)
    return data


def test_admin_builds_a_route_by_adding_and_reordering(api_as, seeded):
    cps = demo_checkpoints(seeded, 3)
    set_clock(seeded, local(2026, 11, 23, 14, 0))
    admin = api_as("admin")
    page = admin.get("/admin/routes/new").get_data(as_text=True)
    stops = {"stop": [], "instructions": []}
    for cp in cps:
        answer = admin.post(
            "/admin/routes/new", data=form_for(page, **stops, op="add", add_checkpoint=cp["id"])
        )
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        stops = {
            "stop": re.findall(r'name="stop" value="(\d+)"', page),
            "instructions": ["" for _ in re.findall(r'name="stop"', page)],
        }
    assert stops["stop"] == [str(c["id"]) for c in cps]
    # Move the last one up: a plain submit button, the same for keyboard, mouse and touch.
    answer = admin.post("/admin/routes/new", data=form_for(page, **stops, op="up:2"))
    page = answer.get_data(as_text=True)
    order = re.findall(r'name="stop" value="(\d+)"', page)
    assert order == [str(cps[0]["id"]), str(cps[2]["id"]), str(cps[1]["id"])]
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Route)) == 0
    saved = admin.post(
        "/admin/routes/new",
        data=form_for(page, stop=order, instructions=["Lås grinden", "", ""], op="save"),
    )
    assert saved.status_code == 302
    with seeded.app_context():
        route = db.session.scalar(sa.select(Route))
        (schedule,) = route.schedules
        assert route.name == "Nattrundan" and route.expected_minutes == 35
        assert [rc.checkpoint_id for rc in schedule.checkpoints] == [int(x) for x in order]
        assert schedule.checkpoints[0].instructions == "Lås grinden"
        assert schedule.weekdays == [0, 1, 2, 3, 6] and schedule.rounds_per_night == 3
    listing = admin.get("/admin/routes").get_data(as_text=True)
    assert "Nattrundan" in listing and "3 rundor per natt" in listing


def test_bad_plans_are_refused_field_by_field_and_nothing_is_saved(api_as, seeded):
    cps = demo_checkpoints(seeded, 2)
    set_clock(seeded, local(2026, 11, 23, 14, 0))
    admin = api_as("admin")
    page = admin.get("/admin/routes/new").get_data(as_text=True)
    stops = {"stop": [str(cps[0]["id"])], "instructions": [""]}
    cases = {
        "name": {"name": ""},
        "weekdays": {"weekday": []},
        "window_start": {"window_start": "25:99"},
        "window_end": {"window_start": "20:00", "window_end": "20:00"},
        "rounds_per_night": {"rounds_per_night": "0"},
        "interval_minutes": {"mode": "interval", "interval_minutes": "5"},
        "valid_from": {"valid_from": "2026-11-20"},
        "stops": {"stop": [], "instructions": []},
    }
    for field, change in cases.items():
        answer = admin.post("/admin/routes/new", data=form_for(page, **(stops | change), op="save"))
        assert answer.status_code == 422, field
        html = answer.get_data(as_text=True)
        assert f'id="{field}-error"' in html, field
        assert "Inget sparades" in html
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Route)) == 0


def test_a_change_never_replans_a_night_that_has_begun(api_as, seeded):
    cps = demo_checkpoints(seeded, 3)
    route_id = make_route(
        seeded, [c["id"] for c in cps[:2]], valid_from=local(2026, 11, 1, 0).date()
    )
    admin = api_as("admin")
    # 21:00: tonight's first round (19:30–23:45) has opened; the change starts tomorrow.
    set_clock(seeded, local(2026, 11, 23, 21, 0))
    page = admin.get(f"/admin/routes/{route_id}").get_data(as_text=True)
    assert 'value="2026-11-24"' in page
    order = [str(c["id"]) for c in cps]
    tonight = admin.post(
        f"/admin/routes/{route_id}",
        data=form_for(
            page, stop=order, instructions=["", "", ""], valid_from="2026-11-23", op="save"
        ),
    )
    assert tonight.status_code == 422
    assert "2026-11-24" in tonight.get_data(as_text=True)
    tomorrow = admin.post(
        f"/admin/routes/{route_id}",
        data=form_for(
            page, stop=order, instructions=["", "", ""], valid_from="2026-11-24", op="save"
        ),
    )
    assert tomorrow.status_code == 302
    with seeded.app_context():
        versions = db.session.scalars(
            sa.select(Schedule).where(Schedule.route_id == route_id).order_by(Schedule.valid_from)
        ).all()
        assert [v.valid_from.isoformat() for v in versions] == ["2026-11-01", "2026-11-24"]
        assert len(versions[0].checkpoints) == 2 and len(versions[1].checkpoints) == 3


def test_supervisors_read_and_guards_are_refused(api_as, seeded):
    cps = demo_checkpoints(seeded, 2)
    route_id = make_route(seeded, [c["id"] for c in cps])
    supervisor = api_as("supervisor")
    page = supervisor.get(f"/admin/routes/{route_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<fieldset disabled>" in html and 'value="save"' not in html
    assert supervisor.get("/admin/routes").status_code == 200
    assert supervisor.get("/admin/routes/new").status_code == 403
    posted = supervisor.post(
        f"/admin/routes/{route_id}", data=form_for(html, stop=[str(cps[0]["id"])], op="save")
    )
    assert posted.status_code == 403
    guard = api_as("guard")
    assert guard.get("/admin/routes").status_code == 403
    anonymous = seeded.test_client().get("/admin/routes")
    assert anonymous.status_code == 302


def test_pausing_a_route_stops_its_rounds_from_that_night_only(api_as, seeded):
    from datetime import date

    from patrol.rounds.queries import night_compliance

    cps = demo_checkpoints(seeded, 2)
    route_id = make_route(seeded, [c["id"] for c in cps], valid_from=date(2026, 11, 1))
    set_clock(seeded, local(2026, 11, 23, 21, 0))
    admin = api_as("admin")
    page = admin.get(f"/admin/routes/{route_id}").get_data(as_text=True)
    data = form_for(page, stop=[str(c["id"]) for c in cps], instructions=["", ""])
    del data["active"]  # "Aktiv" unchecked
    saved = admin.post(f"/admin/routes/{route_id}", data=data | {"valid_from": "2026-11-24"})
    assert saved.status_code == 302
    with seeded.app_context():
        morning = local(2026, 11, 26, 7, 0)
        assert route_id in night_compliance(date(2026, 11, 23), now=morning).by_route
        assert route_id not in night_compliance(date(2026, 11, 24), now=morning).by_route
    listing = admin.get("/admin/routes").get_data(as_text=True)
    assert "inaktiv" not in listing  # tonight it is still walked
    set_clock(seeded, local(2026, 11, 24, 18, 0))
    assert "inaktiv" in admin.get("/admin/routes").get_data(as_text=True)


def test_a_new_routes_default_night_is_one_the_save_accepts(api_as, seeded):
    """At 21:00 tonight's default window (19:30) has opened: the editor offers tomorrow, and
    saving the form as offered works (issue 21, point 8: it offered tonight and refused it)."""
    cps = demo_checkpoints(seeded, 1)
    admin = api_as("admin")
    for clock, expected in (
        (local(2026, 11, 23, 14, 0), "2026-11-23"),
        (local(2026, 11, 23, 21, 0), "2026-11-24"),
    ):
        set_clock(seeded, clock)
        page = admin.get("/admin/routes/new").get_data(as_text=True)
        offered = re.search(r'name="valid_from"[^>]*value="([0-9-]+)"', page) or re.search(
            r'value="([0-9-]+)"[^>]*name="valid_from"', page
        )
        assert offered.group(1) == expected
    saved = admin.post(
        "/admin/routes/new",
        data=form_for(
            page,
            name="Kvällsrundan",
            stop=[str(cps[0]["id"])],
            instructions=[""],
            op="save",
            valid_from=offered.group(1),
        ),
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[-600:]
