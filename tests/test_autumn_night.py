"""The autumn clock-change night (24/25 October 2026), when 02:00-02:59 happens twice: every
time of that hour on the desk (shift log, Natten), in the night's PDF and in the CSVs says
which one it is, and the lists follow the order things happened, not their wall-clock text.
A skipped checkpoint shows in the shift log and the PDF like a check-in, with its reason."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from patrol.db import set_clock
from tests.support.pdf import pdf_text
from tests.support.review import new_id
from tests.support.rounds import make_route

NIGHT = date(2026, 10, 24)
# The records, in the order they happened. Wall-clock text alone would sort 02:10 CET before
# 02:40 CEST and 02:50 CEST.
CHECKIN_SUMMER = "2026-10-25T02:10:00+02:00"  # 00:10 UTC
ACUTE_SUMMER = "2026-10-25T02:40:00+02:00"  # 00:40 UTC
SKIP_SUMMER = "2026-10-25T02:50:00+02:00"  # 00:50 UTC
CHECKIN_WINTER = "2026-10-25T02:10:00+01:00"  # 01:10 UTC
ACUTE_WINTER = "2026-10-25T02:20:00+01:00"  # 01:20 UTC
SKIP_TEXT = "Polisen har spärrat av gården"


def in_order(text: str, *parts: str) -> bool:
    """Every part is in the text, each after the one before."""
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        if found < 0:
            raise AssertionError(f"{part!r} not after position {at} in the text")
        at = found
    return True


@pytest.fixture
def autumn(seeded, api_as, places):
    # 02:25 CET: every record below arrives then, in the repeated hour too.
    set_clock(seeded, datetime(2026, 10, 25, 1, 25, tzinfo=UTC))
    route_id = make_route(seeded, [places["cp1"], places["cp2"]], valid_from=date(2026, 10, 1))
    guard = api_as("guard")
    shift = new_id()
    response = guard.put(
        f"/api/v1/shifts/{shift}", json={"started_at": "2026-10-24T22:00:00+02:00"}
    )
    assert response.status_code == 201, response.json
    for at in (CHECKIN_SUMMER, CHECKIN_WINTER):
        response = guard.put(
            f"/api/v1/checkins/{new_id()}",
            json={
                "shift_id": shift,
                "checkpoint_id": places["cp1"],
                "method": "manual",
                "occurred_at": at,
            },
        )
        assert response.status_code == 201, response.json
    for at, description in ((ACUTE_SUMMER, "Inbrott i källaren"), (ACUTE_WINTER, "Brand i soprum")):
        response = guard.put(
            f"/api/v1/reports/{new_id()}",
            json={
                "shift_id": shift,
                "property_id": places["p1"],
                "checkpoint_id": None,
                "category": "intrusion",
                "level": "acute",
                "description": description,
                "occurred_at": at,
                "photo_ids": [],
            },
        )
        assert response.status_code == 201, response.json
    response = guard.put(
        f"/api/v1/skips/{new_id()}",
        json={
            "shift_id": shift,
            "route_id": route_id,
            "checkpoint_id": places["cp2"],
            "reason_code": "cordon",
            "reason_text": SKIP_TEXT,
            "occurred_at": SKIP_SUMMER,
        },
    )
    assert response.status_code == 201, response.json
    return {"shift": shift}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_shift_log_labels_the_repeated_hour_and_keeps_the_order_it_happened(boss, autumn):
    html = page(boss, f"/review/shifts/{autumn['shift']}")
    assert in_order(
        html,
        "02:10:00 (sommartid)",
        "02:40:00 (sommartid)",
        "02:50:00 (sommartid)",
        "Överhoppad kontrollpunkt",
        "Avspärrat av polis eller räddningstjänst",
        SKIP_TEXT,
        "02:10:00 (vintertid)",
        "02:20:00 (vintertid)",
    )
    # A time outside the repeated hour carries no label.
    assert "22:00 " in html and "22:00 (" not in html
    english = page(boss, f"/review/shifts/{autumn['shift']}?lang=en")
    assert in_order(english, "02:10:00 (CEST)", "Skipped checkpoint", "02:10:00 (CET)")


def test_natten_lists_the_acute_reports_in_the_order_they_happened(boss, autumn):
    html = page(boss, f"/review/nights/{NIGHT}")
    assert in_order(html, "02:40 (sommartid)", "02:20 (vintertid)")


def test_the_nights_pdf_labels_the_hour_and_carries_the_skip(boss, autumn):
    response = boss.get(f"/review/nights/{NIGHT}.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert in_order(
        text,
        "02:10 (sommartid) Incheckning",
        "02:40 (sommartid) AKUT Rapport",
        "02:50 (sommartid) Överhoppad kontrollpunkt",
        SKIP_TEXT,
        "02:10 (vintertid) Incheckning",
        "02:20 (vintertid) AKUT Rapport",
    )


def csv_rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"), newline=""), delimiter=";"))


def test_csv_times_carry_their_offset(boss, autumn):
    night = f"from={NIGHT}&to={NIGHT}"
    checkins = csv_rows(boss, f"/review/export.csv?what=checkins&{night}")
    assert [r["Tid (telefon)"] for r in checkins] == [
        "2026-10-25T02:10:00+02:00",
        "2026-10-25T02:10:00+01:00",
    ]
    assert all(r["Mottagen (server)"] == "2026-10-25T02:25:00+01:00" for r in checkins)
    reports = csv_rows(boss, f"/review/export.csv?what=reports&{night}")
    assert sorted(r["Tid (telefon)"] for r in reports) == [
        "2026-10-25T02:20:00+01:00",
        "2026-10-25T02:40:00+02:00",
    ]
    rounds = csv_rows(boss, f"/review/nights/{NIGHT}/rounds.csv")
    skipped = [r for r in rounds if r["Skäl (fritext)"] == SKIP_TEXT]
    assert [r["Tid"] for r in skipped] == ["2026-10-25T02:50:00+02:00"]
    assert all(r["Öppnar"].endswith(("+01:00", "+02:00")) for r in rounds)


def test_the_rounds_board_labels_the_repeated_hour(boss, autumn):
    html = page(boss, "/review/now")
    assert "Senast hörd 02:25 (vintertid)" in html
    assert "Uppdaterad 02:25 (vintertid)" in html
