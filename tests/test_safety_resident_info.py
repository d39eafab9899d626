"""Resident information after a serious event (issue 14): a supervisor plans it from an acute
report or an extra round; guards record each entrance done through the sync API; the plan,
the report page and Natten show done / not done per entrance."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.push.models import Dispatch
from patrol.safety import resident_info
from patrol.safety.models import ResidentInfoPlan, ResidentInfoVisit
from patrol.sites.models import Checkpoint, Property
from tests.support.review import login_page_client
from tests.support.safety import new_id, put_report, start_shift

EVENT_AT = "2026-11-24T01:35:00+01:00"  # the night of 2026-11-23


@pytest.fixture
def places(seeded):
    with seeded.app_context():
        rasmus = db.session.scalar(sa.select(Property).where(Property.name == "Rasmusgatan 5"))
        jesper = db.session.scalar(sa.select(Property).where(Property.name == "Jespersgatan 6"))
        labels = {
            cp.label: cp.id
            for cp in db.session.scalars(
                sa.select(Checkpoint).where(Checkpoint.property_id == rasmus.id)
            )
        }
        return {"rasmus": rasmus.id, "jesper": jesper.id, **labels}


@pytest.fixture
def acute(api_as, places, seeded):
    set_clock(seeded, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    guard = api_as("guard")
    shift = start_shift(guard)
    return put_report(
        guard,
        shift,
        places["rasmus"],
        places["Trapphus A"],
        EVENT_AT,
        level="acute",
        category="fire_smoke",
        description="Explosion i trapphuset, polisen har spärrat av.",
    )


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


def make_plan(boss, acute, places) -> int:
    response = post(
        boss,
        f"/review/resident-info/new?report={acute}",
        {
            "method": ["notice", "door_knocking"],
            "message": "Information om explosionen i trapphus A. Polisen utreder.",
            "entrance": [
                f"c:{places['Trapphus A']}",
                f"c:{places['Entré']}",
                f"p:{places['jesper']}",
            ],
        },
    )
    assert response.status_code == 302, text(response)
    return int(re.search(r"/review/resident-info/(\d+)$", response.headers["Location"]).group(1))


def test_supervisor_plans_from_an_acute_report(boss, acute, places, seeded):
    report_page = text(boss.get(f"/review/reports/{acute}"))
    assert "Planera boendeinformation" in report_page
    form = boss.get(f"/review/resident-info/new?report={acute}")
    assert form.status_code == 200
    # The event's entrance is chosen already; the area's other addresses can be added.
    assert re.search(rf'value="c:{places["Trapphus A"]}" checked', text(form))
    assert "Jespersgatan 6" in text(form)

    nothing = post(boss, f"/review/resident-info/new?report={acute}", {"message": "x"})
    assert nothing.status_code == 422
    assert "Välj hur de boende informeras." in text(nothing)
    assert "Välj minst en entré eller adress." in text(nothing)
    pnr = post(
        boss,
        f"/review/resident-info/new?report={acute}",
        {"method": "letter", "message": "Till 811218-9876", "entrance": f"p:{places['rasmus']}"},
    )
    assert pnr.status_code == 422 and "personnummer" in text(pnr)
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResidentInfoPlan)) == 0

    plan_id = make_plan(boss, acute, places)
    page = text(boss.get(f"/review/resident-info/{plan_id}"))
    assert "0 av 3 klara" in page and page.count("inte klar") == 3
    assert "Anslag i trapphus, Dörrknackning" in page
    assert "Brand eller rök – Rasmusgatan 5, Trapphus A" in page
    assert "0 av 3 klara" in text(boss.get(f"/review/reports/{acute}"))
    assert "0 av 3 klara" in text(boss.get("/review/nights/2026-11-23"))
    assert "Boendeinformation" not in text(boss.get("/review/nights/2026-11-22"))


def visit(entrance_id, **fields):
    return {"entrance_id": entrance_id, "done_at": "2026-11-24T18:10:00+01:00", **fields}


def test_guards_record_entrances_through_the_sync_api(api_as, boss, acute, places, seeded):
    plan_id = make_plan(boss, acute, places)
    guard = api_as("guard")
    plans = guard.get("/api/v1/resident-info").json["plans"]
    assert [p["id"] for p in plans] == [plan_id]
    entrances = plans[0]["entrances"]
    assert [(e["property_name"], e["label"], e["done"]) for e in entrances] == [
        ("Rasmusgatan 5", "Trapphus A", False),
        ("Rasmusgatan 5", "Entré", False),
        ("Jespersgatan 6", None, False),
    ]
    assert plans[0]["methods"] == ["notice", "door_knocking"]

    first, second = new_id(), new_id()
    body = visit(entrances[0]["id"], notice_posted=True)
    assert guard.put(f"/api/v1/resident-info/visits/{first}", json=body).status_code == 201
    # The phone lost the answer and sends again: the same record, once.
    assert guard.put(f"/api/v1/resident-info/visits/{first}", json=body).status_code == 200
    other = visit(entrances[0]["id"], notice_posted=True, note="annat")
    assert guard.put(f"/api/v1/resident-info/visits/{first}", json=other).status_code == 409
    knocked = visit(
        entrances[1]["id"], doors_knocked=12, doors_answered=5, lat=55.5871, lon=13.0146
    )
    assert guard.put(f"/api/v1/resident-info/visits/{second}", json=knocked).status_code == 201
    assert (
        api_as("guard2").put(f"/api/v1/resident-info/visits/{second}", json=knocked).status_code
        == 403
    )

    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResidentInfoVisit)) == 2
    page = text(boss.get(f"/review/resident-info/{plan_id}"))
    assert "2 av 3 klara" in page
    assert "Anslag uppsatt" in page and "12 dörrar knackade, 5 svarade" in page
    assert "Väktare Demo" in page
    done = [e["done"] for e in guard.get("/api/v1/resident-info").json["plans"][0]["entrances"]]
    assert done == [True, True, False]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "notice_posted", "Ange vad som gjordes"),
        ({"doors_knocked": 3, "doors_answered": 5}, "doors_answered", "Fler dörrar svarade"),
        ({"doors_answered": 5}, "doors_knocked", "Ange hur många dörrar"),
        ({"doors_knocked": -1}, "doors_knocked", None),
        ({"notice_posted": True, "lat": 55.0}, "lon", None),
    ],
)
def test_bad_visits_are_refused_with_a_message(
    api_as, boss, acute, places, seeded, fields, field, message
):
    plan_id = make_plan(boss, acute, places)
    with seeded.app_context():
        entrance_id = db.session.get(ResidentInfoPlan, plan_id).entrances[0].id
    guard = api_as("guard")
    response = guard.put(
        f"/api/v1/resident-info/visits/{new_id()}", json=visit(entrance_id, **fields)
    )
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    if message:
        assert message in response.json["errors"][field][0]
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ResidentInfoVisit)) == 0


def test_unknown_entrance_and_roles(api_as, seeded, acute):
    guard = api_as("guard")
    response = guard.put(
        f"/api/v1/resident-info/visits/{new_id()}", json=visit(999999, notice_posted=True)
    )
    assert response.status_code == 422 and "entrance_id" in response.json["errors"]
    anonymous = seeded.test_client()
    assert anonymous.get("/api/v1/resident-info").status_code == 401
    assert anonymous.put(f"/api/v1/resident-info/visits/{new_id()}", json={}).status_code == 401
    assert api_as("owner").get("/api/v1/resident-info").status_code == 403
    guard_pages = login_page_client(seeded, "guard")
    assert guard_pages.get(f"/review/resident-info/new?report={acute}").status_code == 403
    boss = login_page_client(seeded, "supervisor")
    assert boss.get(f"/review/resident-info/new?report={uuid.uuid4()}").status_code == 404
    assert boss.get("/review/resident-info/new?report=not-a-uuid").status_code == 404
    assert boss.get("/review/resident-info/4242").status_code == 404


def test_no_plan_button_on_an_ordinary_report(api_as, boss, places):
    guard = api_as("guard")
    shift = start_shift(guard)
    report = put_report(guard, shift, places["rasmus"], None, EVENT_AT, level="preventive", category="lighting")  # fmt: skip
    assert "Planera boendeinformation" not in text(boss.get(f"/review/reports/{report}"))


def test_plan_from_an_extra_round_and_the_owner_query(boss, seeded, places):
    with seeded.app_context():
        supervisor_id = db.session.scalar(
            sa.text("SELECT id FROM users WHERE username='supervisor'")
        )
        dispatch = Dispatch(
            id=uuid.uuid4(),
            created_by_id=supervisor_id,
            property_id=places["jesper"],
            message="Extra rundor efter inbrotten.",
            created_at=datetime(2026, 11, 23, 20, 0, tzinfo=UTC),
            guard_ids=[],
        )
        db.session.add(dispatch)
        db.session.commit()
        dispatch_id = dispatch.id
    set_clock(seeded, datetime(2026, 11, 23, 21, 0, tzinfo=UTC))
    alerts = text(boss.get("/push/alerts"))
    assert f"/review/resident-info/new?dispatch={dispatch_id}" in alerts
    set_clock(seeded, datetime(2026, 11, 24, 7, 0, tzinfo=UTC))
    response = post(
        boss,
        f"/review/resident-info/new?dispatch={dispatch_id}",
        {"method": "letter", "entrance": [f"p:{places['jesper']}"]},
    )
    assert response.status_code == 302, text(response)
    page = text(boss.get(response.headers["Location"]))
    assert "Extrarunda – Jespersgatan 6" in page and "0 av 1 klara" in page
    assert "Extrarunda – Jespersgatan 6" in text(boss.get("/review/nights/2026-11-23"))
    with seeded.app_context():
        assert len(resident_info.resident_info_for_properties([places["jesper"]])) == 1
        assert resident_info.resident_info_for_properties([places["rasmus"]]) == []
