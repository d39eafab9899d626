"""Formula injection through every export (issue 22, point 2): `=HYPERLINK(...)` stored in every
text field that reaches a CSV (people's names, areas, properties and their addresses,
checkpoints, organizations, reports, reviews, work orders, SOS notes, routes and skips) comes
out of every CSV the project writes as plain text, and no cell of any export starts with a
character Excel would run (= + - @ tab CR)."""

from __future__ import annotations

import csv
import io
import itertools

import sqlalchemy as sa

from patrol.auth.models import User
from patrol.csvfile import FORMULA_STARTS
from patrol.db import db
from patrol.push.models import SosAlert
from patrol.reports.models import Report
from patrol.review.models import ReportReview, WorkOrder
from patrol.rounds.models import RoundSkip, Route
from patrol.sites.models import Area, Checkpoint, Organization, Property
from tests.support.owners import NIGHT, build_world, login_page
from tests.support.review import login_page_client, new_id, sync_shift
from tests.support.rounds import local, make_route, skip

# Every text field an export shows.
FIELDS = (
    (User, "display_name"),
    (Organization, "name"),
    (Area, "name"),
    (Property, "name"),
    (Property, "address"),
    (Checkpoint, "label"),
    (Report, "description"),
    (ReportReview, "comment"),
    (ReportReview, "owner_text"),
    (WorkOrder, "what"),
    (WorkOrder, "place"),
    (WorkOrder, "done_note"),
    (SosAlert, "note"),
    (Route, "name"),
    (RoundSkip, "reason_text"),
)
ESCAPED = "'=HYPERLINK("


def store_formulas(app) -> None:
    """Overwrite every such field of every row with a (unique) formula."""
    numbers = itertools.count()
    with app.app_context():
        for model, column in FIELDS:
            for row in db.session.scalars(sa.select(model)):
                setattr(row, column, f'=HYPERLINK("http://x.example","y{next(numbers)}")')
        db.session.commit()


def read(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff") and "\r\n" in body
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline=""), delimiter=";"))


def test_every_text_cell_of_every_export_is_escaped(seeded, api_as, places):
    build_world(seeded)  # approved reports, work orders (one done by the crew), owners
    guard = api_as("guard")
    ids = sync_shift(guard, places)  # check-ins and reports of the same night
    response = guard.put(
        f"/api/v1/sos/{new_id()}",
        json={"shift_id": ids["shift"], "occurred_at": "2026-11-23T23:15:00+01:00", "note": "x"},
    )
    assert response.status_code == 201, response.json
    route_id = make_route(seeded, [places["cp1"], places["cp2"]])
    response = skip(
        guard,
        ids["shift"],
        route_id,
        places["cp2"],
        local(2026, 11, 23, 20, 20),
        reason_code="other",
        reason_text="x",
    )
    assert response.status_code == 201, response.json
    store_formulas(seeded)

    boss = login_page_client(seeded, "supervisor")
    admin = login_page_client(seeded, "admin")
    owner = seeded.test_client()
    login_page(owner, "owner")
    night = f"from={NIGHT}&to={NIGHT}"
    exports = {
        "reports": (
            boss.get(f"/review/export.csv?what=reports&{night}"),
            (
                "Väktare",
                "Område",
                "Fastighet",
                "Adress",
                "Kontrollpunkt",
                "Beskrivning",
                "Kommentar",
            ),
        ),
        "checkins": (
            boss.get(f"/review/export.csv?what=checkins&{night}"),
            ("Väktare", "Område", "Fastighet", "Adress", "Kontrollpunkt"),
        ),
        "work-orders": (
            boss.get(f"/review/export.csv?what=work-orders&{night}"),
            ("Skapad av", "Område", "Fastighet", "Adress", "Plats", "Vad", "Klar av", "Anteckning"),
        ),
        "sos": (boss.get(f"/review/export.csv?what=sos&{night}"), ("Väktare", "Anteckning")),
        "owner's month": (
            owner.get("/owner/months/2026-11/export.csv"),
            ("Fastighet", "Adress", "Plats", "Text till fastighetsägaren"),
        ),
        "rounds": (
            boss.get(f"/review/nights/{NIGHT}/rounds.csv"),
            ("Runda", "Fastighet", "Kontrollpunkt", "Skäl (fritext)"),
        ),
        "import template": (admin.get("/admin/import/template.csv"), ()),
    }
    for name, (response, columns) in exports.items():
        rows = read(response)
        header, body = rows[0], rows[1:]
        assert body, name
        for row in rows:
            for value in row:
                assert not value.startswith(FORMULA_STARTS), (name, value)
        for column in columns:
            values = [row[header.index(column)] for row in body]
            assert any(v.startswith(ESCAPED) for v in values), (name, column, values)
