"""The autumn clock-change night (24/25 October 2026), when 02:00-02:59 happens twice: every
time of that hour on the desk (shift log, Natten), in the night's PDF and in the CSVs says
which one it is, and the lists follow the order things happened, not their wall-clock text.
A skipped checkpoint shows in the shift log and the PDF like a check-in, with its reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.support.nights import (
    NIGHT,
    SKIP_TEXT,
    in_order,
    record_autumn_night,
)
from tests.support.pdf import pdf_text, render_pages


@pytest.fixture
def autumn(seeded, api_as, places):
    return record_autumn_night(seeded, api_as("guard"), places)


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
    render_pages(response.data, Path("/work/shots/nights"), "night-pdf-autumn")  # to look at
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
