"""Safety walks (issue 14): checklist templates, planning a walk, the phone's OK checks and
shortcomings (reports with a walk instead of a shift, photos through the same pipeline), and
a report without a shift showing everywhere a report shows."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.db import db, set_clock
from patrol.reports.models import Report
from patrol.review.models import WorkOrder
from patrol.safety.models import ChecklistTemplate, SafetyWalk, WalkCheck
from patrol.sites.models import Area, Checkpoint, Organization, Property
from tests.support.images import digest, jpeg_bytes
from tests.support.review import login_page_client
from tests.support.safety import CHECKLIST, make_checklist_and_walk, new_id, pdf_text

WALK_DATE = "2026-11-26"
WALK_AT = "2026-11-26T18:30:00+01:00"


@pytest.fixture
def admin(seeded):
    return login_page_client(seeded, "admin")


@pytest.fixture
def walk_id(seeded, admin, boss):
    set_clock(seeded, datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    return make_checklist_and_walk(seeded, admin, boss, WALK_DATE)


@pytest.fixture
def place(seeded):
    with seeded.app_context():
        prop = db.session.scalar(sa.select(Property).where(Property.name == "Rasmusgatan 5"))
        entrance = db.session.scalar(
            sa.select(Checkpoint).where(
                Checkpoint.property_id == prop.id, Checkpoint.label == "Entré"
            )
        )
        return {"property": prop.id, "checkpoint": entrance.id}


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


def finding(walk_id, place, item=None, **fields):
    return {
        "walk_id": walk_id,
        "walk_item": item,
        "property_id": place["property"],
        "checkpoint_id": place["checkpoint"],
        "category": "lighting",
        "level": "preventive",
        "description": "Lampan vid entrén är trasig.",
        "occurred_at": WALK_AT,
        "photo_ids": [],
        **fields,
    }


# --- checklists and planning ------------------------------------------------------------------


def test_checklists_admin_writes_supervisor_reads(seeded, admin, boss):
    assert admin.get("/admin/checklists").status_code == 200
    empty = post(admin, "/admin/checklists", name="", items="  \n ")
    assert empty.status_code == 422
    assert "Ge checklistan ett namn." in text(empty) and "Skriv minst en punkt" in text(empty)
    created = post(
        admin, "/admin/checklists", name="Standard", items="Belysning fungerar\n\nKlotter\nKlotter"
    )
    assert created.status_code == 302
    duplicate = post(admin, "/admin/checklists", name="Standard", items="x")
    assert duplicate.status_code == 422 and "Det finns redan" in text(duplicate)
    with seeded.app_context():
        template = db.session.scalar(sa.select(ChecklistTemplate))
        assert template.items == ["Belysning fungerar", "Klotter"]
        template_id = template.id
    updated = post(admin, f"/admin/checklists/{template_id}", name="Standard", items="Lekplats hel")
    assert updated.status_code == 302

    page = text(boss.get("/admin/checklists"))
    assert "Lekplats hel" in page and "Bara en administratör får ändra checklistor." in page
    assert post(boss, "/admin/checklists", name="X", items="y").status_code == 403
    assert post(boss, f"/admin/checklists/{template_id}", name="X", items="y").status_code == 403
    guard = login_page_client(seeded, "guard")
    assert guard.get("/admin/checklists").status_code == 403
    assert seeded.test_client().get("/admin/checklists").status_code == 302
    assert post(admin, "/admin/checklists/4242", name="X", items="y").status_code == 404


def test_planning_a_walk(seeded, admin, boss, walk_id):
    with seeded.app_context():
        walk = db.session.get(SafetyWalk, walk_id)
        assert walk.items == CHECKLIST and str(walk.walk_date) == WALK_DATE
        template = db.session.scalar(sa.select(ChecklistTemplate))
        template_id = template.id
    # A later change to the template leaves the planned walk's copy alone.
    post(admin, f"/admin/checklists/{template_id}", name="Standard", items="Något annat")
    with seeded.app_context():
        assert db.session.get(SafetyWalk, walk_id).items == CHECKLIST

    bad = post(
        boss, "/review/walks", area="", walk_date="26/11", template="", participants="811218-9876"
    )
    assert bad.status_code == 422
    page = text(bad)
    for message in (
        "Välj område.",
        "Ange datumet som ÅÅÅÅ-MM-DD.",
        "Välj en checklista.",
        "personnummer",
    ):
        assert message in page
    assert "Standard" in text(boss.get("/review/walks"))
    guard = login_page_client(seeded, "guard")
    assert guard.get("/review/walks").status_code == 403
    assert guard.get(f"/review/walks/{walk_id}").status_code == 403
    assert boss.get("/review/walks/4242").status_code == 404


# --- the phone's records ------------------------------------------------------------------------


def test_the_guard_app_reads_walks_and_records_ok_checks(api_as, walk_id, seeded):
    guard = api_as("guard")
    walks = guard.get("/api/v1/walks").json["walks"]
    assert [(w["id"], w["items"], w["walk_date"]) for w in walks] == [
        (walk_id, CHECKLIST, WALK_DATE)
    ]
    check_id = new_id()
    body = {"walk_id": walk_id, "item": 0, "occurred_at": WALK_AT, "lat": 55.587, "lon": 13.014}
    assert guard.put(f"/api/v1/walk-checks/{check_id}", json=body).status_code == 201
    assert guard.put(f"/api/v1/walk-checks/{check_id}", json=body).status_code == 200
    assert (
        guard.put(f"/api/v1/walk-checks/{check_id}", json=body | {"note": "x"}).status_code == 409
    )
    assert api_as("guard2").put(f"/api/v1/walk-checks/{check_id}", json=body).status_code == 403
    unknown = guard.put(f"/api/v1/walk-checks/{new_id()}", json=body | {"walk_id": 4242})
    assert (
        unknown.status_code == 422
        and "Okänd trygghetsvandring." in unknown.json["errors"]["walk_id"][0]
    )
    beyond = guard.put(f"/api/v1/walk-checks/{new_id()}", json=body | {"item": len(CHECKLIST)})
    assert beyond.status_code == 422 and "item" in beyond.json["errors"]
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WalkCheck)) == 1
    set_clock(seeded, datetime(2026, 12, 20, 12, 0, tzinfo=UTC))
    assert guard.get("/api/v1/walks").json["walks"] == []  # long past


def test_a_shortcoming_is_a_report_on_the_walk_with_photos(api_as, walk_id, place, seeded):
    guard = api_as("guard")
    report_id, photo_id = new_id(), new_id()
    body = finding(walk_id, place, item=0, photo_ids=[photo_id])
    response = guard.put(f"/api/v1/reports/{report_id}", json=body)
    assert response.status_code == 201, response.json
    assert response.json["shift_id"] is None and response.json["walk_id"] == walk_id
    assert response.json["night"] == WALK_DATE and response.json["missing_photo_ids"] == [photo_id]
    assert guard.put(f"/api/v1/reports/{report_id}", json=body).status_code == 200
    assert (
        guard.put(f"/api/v1/reports/{report_id}", json=body | {"walk_item": 1}).status_code == 409
    )
    image = jpeg_bytes(640, 480)
    headers = {"Content-Type": "image/jpeg", "Content-Digest": digest(image)}
    other = api_as("guard2")
    assert (
        other.put(
            f"/api/v1/reports/{report_id}/photos/{photo_id}", data=image, headers=headers
        ).status_code
        == 403
    )
    assert other.get(f"/api/v1/reports/{report_id}").status_code == 403
    put_photo = guard.put(
        f"/api/v1/reports/{report_id}/photos/{photo_id}", data=image, headers=headers
    )
    assert put_photo.status_code == 201, put_photo.json
    assert guard.get(f"/api/v1/reports/{report_id}").json["complete"] is True
    with seeded.app_context():
        report = db.session.get(Report, uuid.UUID(report_id))
        assert report.reporter.username == "guard" and str(report.night) == WALK_DATE


def test_bad_walk_reports_are_refused(api_as, walk_id, place, seeded):
    guard = api_as("guard")
    shift_id = new_id()
    assert guard.put(f"/api/v1/shifts/{shift_id}", json={"started_at": "2026-11-26T19:30:00+01:00"}).status_code == 201  # fmt: skip
    with seeded.app_context():
        org = db.session.scalar(sa.select(Organization))
        area = Area(name="Rosengård")
        db.session.add(area)
        db.session.flush()
        elsewhere = Property(area_id=area.id, organization_id=org.id, name="Amiralsgatan 1", address="Amiralsgatan 1, Malmö")  # fmt: skip
        db.session.add(elsewhere)
        db.session.commit()
        elsewhere_id = elsewhere.id
    cases = [
        (finding(walk_id, place) | {"shift_id": shift_id}, "shift_id"),
        (finding(None, place), "shift_id"),
        (finding(None, place) | {"shift_id": shift_id, "walk_item": 1}, "walk_item"),
        (finding(4242, place), "walk_id"),
        (finding(walk_id, place, item=len(CHECKLIST)), "walk_item"),
        (finding(walk_id, {"property": elsewhere_id, "checkpoint": None}), "property_id"),
        (finding(walk_id, place, level="acute"), "level"),
    ]
    for body, field in cases:
        response = guard.put(f"/api/v1/reports/{new_id()}", json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"], response.json
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


# --- a report without a shift shows everywhere ---------------------------------------------


def test_a_walk_finding_shows_everywhere_a_report_shows(api_as, walk_id, place, boss, seeded):
    guard = api_as("guard")
    report_id = new_id()
    assert guard.put(f"/api/v1/reports/{report_id}", json=finding(walk_id, place, item=0)).status_code == 201  # fmt: skip
    free_id = new_id()
    free = finding(walk_id, place, category="graffiti", description="Klotter på cykelstället.")
    assert guard.put(f"/api/v1/reports/{free_id}", json=free).status_code == 201
    check = {"walk_id": walk_id, "item": 1, "occurred_at": WALK_AT}
    assert guard.put(f"/api/v1/walk-checks/{new_id()}", json=check).status_code == 201

    listing = text(boss.get(f"/review/reports?from={WALK_DATE}&to={WALK_DATE}"))
    assert f"/review/reports/{report_id}" in listing and "Väktare Demo" in listing
    assert f"/review/reports/{report_id}" in text(boss.get("/review/reports"))
    page = text(boss.get(f"/review/reports/{report_id}"))
    assert "Hittad på en trygghetsvandring" in page and "Belysning fungerar" in page
    assert f"/review/walks/{walk_id}" in page

    order = post(boss, f"/review/reports/{report_id}/work-order", what="Byt lampan vid entrén", place="Entré", priority="normal")  # fmt: skip
    assert order.status_code == 302, text(order)
    assert "Byt lampan vid entrén" in text(boss.get("/review/work-orders"))
    assert f"/review/reports/{free_id}" in text(boss.get(f"/review/properties/{place['property']}"))
    natten = text(boss.get(f"/review/nights/{WALK_DATE}"))
    assert "Trygghetsvandring" in natten and "2 brister" in natten
    export = boss.get(f"/review/export.csv?from={WALK_DATE}&to={WALK_DATE}")
    rows = list(
        csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert len(rows) == 3, rows  # header and two findings
    night_pdf = boss.get(f"/review/nights/{WALK_DATE}.pdf")
    assert night_pdf.status_code == 200 and "Lampan vid entrén är trasig." in pdf_text(
        night_pdf.data
    )

    # The walk's summary: item by item, the work order, and later what was fixed.
    summary = text(boss.get(f"/review/walks/{walk_id}"))
    assert "2 brister" in summary and "1 arbetsorder" in summary and "0 åtgärdade" in summary
    assert "Hyresgästföreningen" in summary and "Övriga brister" in summary
    with seeded.app_context():
        order_id = db.session.scalar(sa.select(WorkOrder.id))
    assert post(boss, f"/review/work-orders/{order_id}/done", note="Lampan bytt.", show="open").status_code == 302  # fmt: skip
    summary = text(boss.get(f"/review/walks/{walk_id}"))
    assert "1 åtgärdade" in summary and "Lampan bytt." in summary
    walk_pdf = boss.get(f"/review/walks/{walk_id}.pdf")
    assert walk_pdf.mimetype == "application/pdf"
    content = pdf_text(walk_pdf.data)
    for expected in ("Trygghetsvandring", "Belysning fungerar: Brist", "Buskage klippt: OK", "Klotter: Ej kontrollerad", "åtgärdad", "Lampan bytt."):  # fmt: skip
        assert expected in content, (expected, content)
