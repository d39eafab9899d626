"""Repeated disturbances (issue 14): disturbance reports at one place are linked into a case as
they arrive through the sync API; the history line on each report's page; confirmed /
unconfirmed per report; closing with an outcome; the identity number warning; retention."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from patrol.db import db
from patrol.safety import cases, rules
from patrol.safety.models import CaseReport, DisturbanceCase
from patrol.sites.models import Checkpoint, Property
from tests.support.review import login_page_client
from tests.support.safety import disturbances_on_nights, put_report, start_shift

# --- unit: the identity number check --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Boende 811218-9876 klagade",
        "pnr 198112189876.",
        "19811218-9876",
        "640823 3234",
        "samordningsnummer 701063-2383",  # day + 60
    ],
)
def test_identity_numbers_are_recognised(text):
    assert rules.looks_like_personnummer(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "Ring 070-123 45 67",
        "811218-9875",  # wrong check digit
        "Port 4, 12 dörrar, kl 22:10-23:40",
        "811318-9876",  # month 13
        "Order 20261123-0001",
    ],
)
def test_other_numbers_are_not(text):
    assert not rules.looks_like_personnummer(text)


def test_swedish_and_english_ordinals(app):
    with app.test_request_context("/?lang=sv"):
        assert [cases.ordinal(n) for n in (1, 2, 3, 11, 12, 21, 22, 30)] == [
            "1:a", "2:a", "3:e", "11:e", "12:e", "21:a", "22:a", "30:e"
        ]  # fmt: skip
    with app.test_request_context("/?lang=en"):
        assert [cases.ordinal(n) for n in (1, 2, 3, 4, 11, 13, 21)] == [
            "1st", "2nd", "3rd", "4th", "11th", "13th", "21st"
        ]  # fmt: skip


# --- linking through the sync API -----------------------------------------------------------


@pytest.fixture
def place(seeded):
    """Rasmusgatan 5, Trapphus A, and another checkpoint of the same property."""
    with seeded.app_context():
        prop = db.session.scalar(sa.select(Property).where(Property.name == "Rasmusgatan 5"))
        stairs, laundry = (
            db.session.scalar(
                sa.select(Checkpoint).where(
                    Checkpoint.property_id == prop.id, Checkpoint.label == label
                )
            )
            for label in ("Trapphus A", "Tvättstuga")
        )
        return {"property": prop.id, "checkpoint": stairs.id, "other_checkpoint": laundry.id}


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True)


def test_third_disturbance_at_one_entrance_shows_the_history(api_as, place, boss, seeded):
    guard = api_as("guard")
    ids = disturbances_on_nights(guard, place, ["2026-11-03", "2026-11-10", "2026-11-23"])
    with seeded.app_context():
        cases = db.session.scalars(sa.select(DisturbanceCase)).all()
        assert len(cases) == 1 and cases[0].status == "open"
        links = db.session.scalars(sa.select(CaseReport)).all()
        assert {str(link.report_id) for link in links} == set(ids)
        assert {link.case_id for link in links} == {cases[0].id}
    html = page(boss, f"/review/reports/{ids[2]}")
    assert "3:e störningen på Rasmusgatan 5, Trapphus A, senaste 30 nätterna" in html
    assert "1:a störningen på Rasmusgatan 5, Trapphus A" in page(boss, f"/review/reports/{ids[0]}")
    english = page(boss, f"/review/reports/{ids[2]}?lang=en")
    assert "3rd disturbance at Rasmusgatan 5, Trapphus A, last 30 nights" in english


def test_the_line_counts_only_the_window_of_nights(api_as, place, boss):
    guard = api_as("guard")
    ids = disturbances_on_nights(guard, place, ["2026-09-20", "2026-11-10", "2026-11-23"])
    # 2026-09-20 is more than 30 nights before 2026-11-23: the third is the 2nd in the window.
    assert "2:a störningen på Rasmusgatan 5, Trapphus A, senaste 30 nätterna" in page(
        boss, f"/review/reports/{ids[2]}"
    )


def test_two_on_one_night_are_ordered_by_time(api_as, place, boss):
    guard = api_as("guard")
    shift = start_shift(guard)
    late = put_report(
        guard, shift, place["property"], place["checkpoint"], "2026-11-24T01:10:00+01:00"
    )
    early = put_report(
        guard, shift, place["property"], place["checkpoint"], "2026-11-23T21:00:00+01:00"
    )
    assert "2:a störningen" in page(boss, f"/review/reports/{late}")
    assert "1:a störningen" in page(boss, f"/review/reports/{early}")


def test_places_are_kept_apart_and_other_levels_make_no_case(api_as, place, seeded):
    guard = api_as("guard")
    shift = start_shift(guard)
    at = "2026-11-23T22:00:00+01:00"
    stairs = put_report(guard, shift, place["property"], place["checkpoint"], at)
    laundry = put_report(guard, shift, place["property"], place["other_checkpoint"], at)
    whole = put_report(guard, shift, place["property"], None, at)
    whole_again = put_report(guard, shift, place["property"], None, "2026-11-23T23:00:00+01:00")
    put_report(guard, shift, place["property"], place["checkpoint"], at, level="preventive")
    put_report(guard, shift, place["property"], place["checkpoint"], at, level="acute")
    with seeded.app_context():
        by_report = {
            str(link.report_id): link.case_id for link in db.session.scalars(sa.select(CaseReport))
        }
        assert set(by_report) == {stairs, laundry, whole, whole_again}
        assert len({by_report[stairs], by_report[laundry], by_report[whole]}) == 3
        assert by_report[whole] == by_report[whole_again]


def test_the_same_report_again_links_once(api_as, place, seeded):
    guard = api_as("guard")
    shift = start_shift(guard)
    body = {
        "shift_id": shift,
        "property_id": place["property"],
        "checkpoint_id": place["checkpoint"],
        "category": "disturbance",
        "level": "disturbance",
        "description": "Bråk i trapphuset.",
        "occurred_at": "2026-11-23T22:00:00+01:00",
        "photo_ids": [],
    }
    report_id = put_report(guard, shift, place["property"], place["checkpoint"], body["occurred_at"], description=body["description"])  # fmt: skip
    again = guard.put(f"/api/v1/reports/{report_id}", json=body)
    assert again.status_code == 200, again.json
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseReport)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DisturbanceCase)) == 1


# --- judging and closing --------------------------------------------------------------------


def case_id_of(app, report_id: str) -> int:
    import uuid

    with app.app_context():
        return db.session.get(CaseReport, uuid.UUID(report_id)).case_id


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


def test_supervisor_confirms_and_closes_a_case(api_as, place, boss, seeded):
    guard = api_as("guard")
    ids = disturbances_on_nights(guard, place, ["2026-11-20", "2026-11-23"])
    case_id = case_id_of(seeded, ids[0])
    url = f"/review/cases/{case_id}"
    html = page(boss, url)
    assert "Störningar vid Rasmusgatan 5, Trapphus A" in html and "inte bedömd" in html

    assert post(boss, f"{url}/reports/{ids[0]}/judge", confirmed="yes").status_code == 302
    assert post(boss, f"{url}/reports/{ids[1]}/judge", confirmed="no").status_code == 302
    bad = post(boss, f"{url}/reports/{ids[1]}/judge", confirmed="maybe")
    assert bad.status_code == 422 and "Välj bekräftad eller obekräftad" in bad.get_data(
        as_text=True
    )
    with seeded.app_context():
        judged = {
            str(link.report_id): link.confirmed
            for link in db.session.scalars(sa.select(CaseReport))
        }
        assert judged == {ids[0]: True, ids[1]: False}
    assert "bekräftad" in page(boss, f"/review/reports/{ids[0]}")

    # An outcome holding an identity number is refused and nothing changes.
    refused = post(boss, f"{url}/close", outcome="Hyresgäst 811218-9876 varnad.")
    assert refused.status_code == 422
    assert "personnummer" in refused.get_data(as_text=True)
    assert "Hyresgäst 811218-9876 varnad." in refused.get_data(as_text=True)  # input kept
    empty = post(boss, f"{url}/close", outcome="  ")
    assert empty.status_code == 422
    with seeded.app_context():
        assert db.session.get(DisturbanceCase, case_id).status == "open"

    closed = post(boss, f"{url}/close", outcome="Hyresvärden har haft samtal; lugnt sedan dess.")
    assert closed.status_code == 302
    html = page(boss, url)
    assert "Hyresvärden har haft samtal; lugnt sedan dess." in html and "Stängt av" in html
    assert post(boss, f"{url}/close", outcome="igen").status_code == 409
    assert post(boss, f"{url}/reports/{ids[0]}/judge", confirmed="no").status_code == 409

    # The place is free again: the next disturbance there opens a new case, counted afresh
    # within the window (the history stays with the closed case).
    later = disturbances_on_nights(guard, place, ["2026-11-24"])[0]
    assert case_id_of(seeded, later) != case_id
    assert "1:a störningen" in page(boss, f"/review/reports/{later}")

    listing = page(boss, "/review/cases")
    assert f"/review/cases/{case_id_of(seeded, later)}" in listing and url not in listing
    assert url in page(boss, "/review/cases?status=closed")
    assert boss.get("/review/cases?status=nonsense").status_code == 400


def test_identity_number_warning_on_report_and_case(api_as, place, boss, seeded):
    guard = api_as("guard")
    shift = start_shift(guard)
    report_id = put_report(
        guard,
        shift,
        place["property"],
        place["checkpoint"],
        "2026-11-23T22:00:00+01:00",
        description="Boende 811218-9876 spelar hög musik.",
    )
    warning = "Beskrivningen verkar innehålla ett personnummer"
    assert warning in page(boss, f"/review/reports/{report_id}")
    assert warning in page(boss, f"/review/cases/{case_id_of(seeded, report_id)}")


def test_roles(api_as, place, seeded):
    ids = disturbances_on_nights(api_as("guard"), place, ["2026-11-23"])
    case_id = case_id_of(seeded, ids[0])
    guard = login_page_client(seeded, "guard")
    for url in ("/review/cases", f"/review/cases/{case_id}"):
        assert guard.get(url).status_code == 403
        assert seeded.test_client().get(url).status_code == 302  # to the login page
    assert post(guard, f"/review/cases/{case_id}/close", outcome="x").status_code == 403
    admin = login_page_client(seeded, "admin")
    assert admin.get(f"/review/cases/{case_id}").status_code == 200
    assert admin.get("/review/cases/999999").status_code == 404
    no_token = admin.post(f"/review/cases/{case_id}/close", data={"outcome": "x"})
    assert no_token.status_code in (400, 403)
    with seeded.app_context():
        assert db.session.get(DisturbanceCase, case_id).status == "open"


def test_retention_purges_old_links_and_empty_cases(api_as, place, seeded):
    guard = api_as("guard")
    old = disturbances_on_nights(guard, place, ["2026-05-01", "2026-05-02"])
    shift = start_shift(guard)
    recent = put_report(
        guard, shift, place["property"], place["other_checkpoint"], "2026-11-23T22:00:00+01:00"
    )
    mixed = put_report(guard, shift, place["property"], place["checkpoint"], "2026-11-23T23:00:00+01:00")  # fmt: skip
    with seeded.app_context():
        assert cases.purge_cases_before(date(2026, 6, 1)) == 0  # the old case still has `mixed`
        left = {str(link.report_id) for link in db.session.scalars(sa.select(CaseReport))}
        assert left == {recent, mixed} and not set(old) & left
        assert cases.purge_cases_before(date(2026, 12, 1)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DisturbanceCase)) == 0
