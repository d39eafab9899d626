"""The audit is complete and searchable (issue 21, point 7): route changes (create, plan
versions, pause) and checklists are recorded with every value, defaults included and other
rows named beside their ids; /admin/audit filters by who, what and date (a plain GET form, a
clear message for a date it cannot read) and exports the filtered list as CSV through the
project's one CSV writer."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.db import db, set_clock
from patrol.sites.models import Area, Organization
from tests.support.admin import count, scalar
from tests.support.app import TEST_PASSWORD, Api
from tests.support.rounds import demo_checkpoints, local

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def route_form(page_html: str, **fields) -> dict:
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
        "op": "save",
    }
    data.update(fields)
    return data


def events(app, entity: str) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return rows


def test_a_route_is_audited_when_created_replanned_and_paused(api_as, seeded):
    cps = demo_checkpoints(seeded, 2)
    with seeded.app_context():
        area = db.session.scalar(sa.select(Area).order_by(Area.id))
        area_name, area_id = area.name, area.id
    set_clock(seeded, local(2026, 11, 23, 14, 0))
    admin = api_as("admin")
    page = admin.get("/admin/routes/new").get_data(as_text=True)
    stops = [str(c["id"]) for c in cps]
    saved = admin.post(
        "/admin/routes/new",
        data=route_form(page, area=str(area_id), stop=stops, instructions=["Lås grinden", ""]),
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    route_url = saved.headers["Location"]
    (created,) = events(seeded, "route")
    assert created.action == "create" and created.entity_name == "Nattrundan"
    values = {name: pair[1] for name, pair in created.changes.items()}
    assert values["area"] == f"{area_name} (#{area_id})"
    assert values["expected_minutes"] == 35 and values["active"] is True
    # What the form did not change from its defaults is recorded too.
    assert values["tolerance_minutes"] == 15 and values["window_start"] == "19:30"
    assert values["valid_from"] == "2026-11-23" and values["weekdays"] == [0, 1, 2, 3, 6]
    first = f"{cps[0]['label']} ({cps[0]['code']}) (#{cps[0]['id']}): Lås grinden"
    assert values["stops"] == [first, f"{cps[1]['label']} ({cps[1]['code']}) (#{cps[1]['id']})"]

    # A new plan version from tomorrow: every value before and after.
    page = admin.get(route_url).get_data(as_text=True)
    replanned = admin.post(
        route_url,
        data=route_form(
            page, stop=stops, instructions=["", ""], rounds_per_night="4", valid_from="2026-11-24"
        ),
    )
    assert replanned.status_code == 302
    # Paused from the night after.
    page = admin.get(route_url).get_data(as_text=True)
    form = route_form(page, stop=stops, instructions=["", ""], valid_from="2026-11-25")
    del form["active"]
    assert admin.post(route_url, data=form).status_code == 302
    _, plan, pause = events(seeded, "route")
    assert plan.action == "plan"
    assert plan.changes["rounds_per_night"] == [3, 4]
    assert plan.changes["valid_from"] == ["2026-11-23", "2026-11-24"]
    assert plan.changes["tolerance_minutes"] == [15, 15]
    assert pause.action == "pause" and pause.changes["active"] == [True, False]

    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "Pausad · runda" in audit and "Ny planversion · runda" in audit
    assert f"area</span>: {area_name} (#{area_id})" in audit
    assert "<del>3</del> → <ins>4</ins>" in audit


def test_a_checklist_is_audited_with_its_items(api_as, seeded):
    admin = api_as("admin")
    answer = admin.post(
        "/admin/checklists", data={"name": "Kvällsvandring", "items": "Belysning\nBuskage"}
    )
    assert answer.status_code == 302
    (created,) = events(seeded, "checklist")
    assert created.action == "create"
    assert created.changes == {
        "name": [None, "Kvällsvandring"],
        "items": [None, ["Belysning", "Buskage"]],
    }
    answer = admin.post(
        f"/admin/checklists/{created.entity_id}",
        data={"name": "Kvällsvandring", "items": "Belysning\nBuskage\nKlotter"},
    )
    assert answer.status_code == 302
    _, changed = events(seeded, "checklist")
    assert changed.action == "update"
    assert changed.changes["items"] == [
        ["Belysning", "Buskage"],
        ["Belysning", "Buskage", "Klotter"],
    ]
    audit = admin.get("/admin/audit?entity=checklist").get_data(as_text=True)
    assert "Ändrad · checklista" in audit and "Kvällsvandring" in audit
    assert "<del>Belysning, Buskage</del> → <ins>Belysning, Buskage, Klotter</ins>" in audit


def test_new_rows_are_audited_with_defaults_and_names_beside_ids(api_as, seeded):
    admin = api_as("admin")
    org_id = scalar(seeded, sa.select(Organization.id).order_by(Organization.id))
    org_name = scalar(seeded, sa.select(Organization.name).where(Organization.id == org_id))
    area_id = scalar(seeded, sa.select(Area.id).order_by(Area.id))
    answer = admin.post(
        "/admin/properties/new",
        data={
            "area_id": area_id,
            "organization_id": org_id,
            "name": "Ramels väg 1",
            "address": "Ramels väg 1, Malmö",
        },
    )
    assert answer.status_code == 302
    property_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    answer = admin.post(
        f"/admin/properties/{property_id}/checkpoints/new",
        data={"label": "Entré A", "short_code": "RO1", "radius_m": "30"},
    )
    assert answer.status_code == 302
    (prop,) = events(seeded, "property")
    assert prop.changes["owner"] == [None, f"{org_name} (#{org_id})"]
    assert "organization_id" not in prop.changes and "area_id" not in prop.changes
    assert prop.changes["active"] == [None, True]
    (point,) = events(seeded, "checkpoint")
    # Values the form does not send (set by default) are in the event, and so are those it left
    # empty.
    assert point.changes["active"] == [None, True] and point.changes["radius_m"] == [None, 30.0]
    assert point.changes["lat"] == [None, None] and point.changes["instructions"] == [None, ""]
    assert point.changes["property"] == [None, f"Ramels väg 1 (#{property_id})"]
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert f"owner</span>: {org_name} (#{org_id})" in audit
    assert "active</span>: ja" in audit and "radius_m</span>: 30.0" in audit


def second_admin(app) -> Api:
    from patrol.auth.actions import create_user

    with app.app_context():
        create_user("admin2", TEST_PASSWORD, "admin", display_name="Andra Admin")
        db.session.commit()
    api = Api(app)
    assert api.login("admin2").status_code == 200
    return api


def test_the_audit_filters_by_who_what_and_date(api_as, seeded):
    admin = api_as("admin")
    other = second_admin(seeded)
    set_clock(seeded, local(2026, 3, 2, 10, 0))
    admin.post("/admin/organizations/new", data={"name": "Trianon"})
    set_clock(seeded, local(2026, 3, 4, 23, 30))
    other.post("/admin/areas/new", data={"name": "Rosengård", "city": "Malmö"})
    set_clock(seeded, local(2026, 3, 6, 0, 30))
    other.post("/admin/organizations/new", data={"name": "Heimstaden"})
    assert count(seeded, AuditEvent) == 3
    other_id = scalar(seeded, sa.select(AuditEvent.actor_id).where(AuditEvent.entity == "area"))

    def shown(query: str) -> set[str]:
        page = admin.get(f"/admin/audit?{query}")
        assert page.status_code == 200, query
        html = page.get_data(as_text=True)
        return {name for name in ("Trianon", "Rosengård", "Heimstaden") if name in html}

    assert shown("") == {"Trianon", "Rosengård", "Heimstaden"}
    assert shown(f"who={other_id}") == {"Rosengård", "Heimstaden"}
    assert shown("entity=organization") == {"Trianon", "Heimstaden"}
    assert shown(f"who={other_id}&entity=organization&action=create") == {"Heimstaden"}
    assert shown("action=deactivate") == set()
    # Stockholm calendar days, both ends included: 23:30 on the 4th is the 4th.
    assert shown("from=2026-03-03&to=2026-03-04") == {"Rosengård"}
    assert shown("from=2026-03-05") == {"Heimstaden"}
    assert shown("to=2026-03-02") == {"Trianon"}
    # The form works without JavaScript: a GET with its fields, the choices on the page.
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert 'method="get"' in page and 'name="from" type="date"' in page
    assert f'<option value="{other_id}"' in page and "Andra Admin" in page

    for query, message in (
        ("from=2026-02-30", "Skriv datumet som ÅÅÅÅ-MM-DD"),
        ("to=idag", "Skriv datumet som ÅÅÅÅ-MM-DD"),
        ("from=9999-01-01", "Skriv datumet som ÅÅÅÅ-MM-DD"),
        ("from=2026-03-05&to=2026-03-01", "Sista dagen kommer före den första."),
        ("entity=nothing", "Välj i listan."),
        ("who=99999999999999999999", "Välj i listan."),
    ):
        answer = admin.get(f"/admin/audit?{query}")
        assert answer.status_code == 400, query
        assert message in answer.get_data(as_text=True), query
        assert admin.get(f"/admin/audit.csv?{query}").status_code == 400, query


def test_the_filtered_audit_exports_as_csv_with_offsets_and_escaped_text(api_as, seeded):
    admin = api_as("admin")
    set_clock(seeded, local(2026, 10, 25, 2, 10))  # summer time still: 02:10+02:00
    admin.post("/admin/organizations/new", data={"name": '=HYPERLINK("http://evil.example")'})
    set_clock(seeded, local(2026, 11, 2, 9, 0))
    admin.post("/admin/areas/new", data={"name": "Rosengård", "city": "Malmö"})
    answer = admin.get("/admin/audit.csv?entity=organization")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert rows[0] == ["När", "Vem", "Åtgärd", "Typ", "Id", "Namn", "Ändringar"]
    assert len(rows) == 2  # the area is filtered out
    when, who, action, kind, _id, name, changes = rows[1]
    assert when == "2026-10-25T02:10:00+02:00"
    assert (who, action, kind) == ("Admin Demo", "Skapad", "ägare")
    assert name == '\'=HYPERLINK("http://evil.example")'
    assert changes.startswith("name: =HYPERLINK(")
    # The page links the export with the same filters.
    page = admin.get("/admin/audit?entity=organization&from=2026-10-01").get_data(as_text=True)
    assert 'href="/admin/audit.csv?entity=organization&amp;from=2026-10-01"' in page
