"""An SOS keeps its lifecycle on the desk after "Kvittera" (issue 10, point 1): the shift log
shows it at the moment the guard pressed it, with when it was received and when and by whom it
was acknowledged (or that it is not); Natten lists the night's acknowledged alerts as well as
the open ones; the SOS CSV has one row per alert in Stockholm time. SOS alerts arrive through
the real API; the server's moments (received, acknowledged) are then pinned for exact times."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db
from patrol.push.models import SosAlert
from tests.support.review import NIGHT, new_id, sync_shift

NIGHT_URL = f"/review/nights/{NIGHT}"
SOS_CSV = f"/review/export.csv?what=sos&from={NIGHT}&to={NIGHT}"


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def press(guard, **body) -> str:
    sos_id = new_id()
    response = guard.put(f"/api/v1/sos/{sos_id}", json=body)
    assert response.status_code == 201, response.json
    return sos_id


def pin(app, sos_id: str, **moments) -> None:
    """Set the server's moments of an alert (UTC) so the pages' times can be asserted."""
    with app.app_context():
        db.session.execute(
            sa.update(SosAlert).where(SosAlert.id == uuid.UUID(sos_id)).values(**moments)
        )
        db.session.commit()


@pytest.fixture
def night_with_sos(seeded, api_as, places):
    """The review night's shift with two SOS alerts: one at 23:15 with a position, received
    four seconds later and acknowledged by the supervisor at 23:16:30; one at 02:40 without a
    position, still open."""
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    ids["acked"] = press(
        guard,
        shift_id=ids["shift"],
        occurred_at="2026-11-23T23:15:00+01:00",
        lat=places["cp1_lat"],
        lon=places["cp1_lon"],
        accuracy_m=9,
        note="Hotfull person vid port 2",
    )
    ids["open"] = press(guard, shift_id=ids["shift"], occurred_at="2026-11-24T02:40:00+01:00")
    response = api_as("supervisor").post(f"/api/v1/sos/{ids['acked']}/acknowledge")
    assert response.status_code == 200, response.json
    pin(
        seeded,
        ids["acked"],
        received_at=datetime(2026, 11, 23, 22, 15, 4, tzinfo=UTC),
        acknowledged_at=datetime(2026, 11, 23, 22, 16, 30, tzinfo=UTC),
    )
    pin(seeded, ids["open"], received_at=datetime(2026, 11, 24, 1, 40, 2, tzinfo=UTC))
    return ids


def entry_of(page: str, sos_id: str) -> str:
    start = page.index(f'id="sos-entry-{sos_id}"')
    return page[start : page.index("</li>", start)]


def test_shift_log_shows_each_sos_at_its_pressed_time_with_its_lifecycle(boss, night_with_sos):
    page = text(boss.get(f"/review/shifts/{night_with_sos['shift']}"))
    assert page.count('class="entry sos-entry') == 2
    acked = entry_of(page, night_with_sos["acked"])
    assert "SOS – väktaren behövde hjälp" in acked
    assert "<strong>23:15:00</strong>" in acked  # pressed, Stockholm time, leads the entry
    assert "Tryckt (telefonens tid)" in acked and "2026-11-23 23:15:00" in acked
    assert "Mottaget (server)" in acked and "23:15:04 (+4 s)" in acked
    assert "23:16:30 (+1 min)" in acked and "av Arbetsledare Demo" in acked
    assert "Ej kvitterat" not in acked
    assert "(± 9 m)" in acked and "openstreetmap.org" in acked
    assert "Hotfull person vid port 2" in acked

    still_open = entry_of(page, night_with_sos["open"])
    # The open one is marked as such (filled red); the acknowledged one is not.
    assert f'class="entry sos-entry sos-open" id="sos-entry-{night_with_sos["open"]}"' in page
    assert f'class="entry sos-entry" id="sos-entry-{night_with_sos["acked"]}"' in page
    assert "<strong>02:40:00</strong>" in still_open
    assert "03:40:02" not in still_open and "02:40:02 (+2 s)" in still_open
    assert "Ej kvitterat" in still_open and "Ingen position." in still_open

    # In the timeline at the phone's time: after the 20:12 report, before the 01:30 check-in.
    order = [
        page.index("<strong>20:12:00</strong>"),
        page.index("<strong>23:15:00</strong>"),
        page.index("<strong>01:30:00</strong>"),
        page.index("<strong>02:40:00</strong>"),
    ]
    assert order == sorted(order)
    assert "2 SOS" in page  # the head counts them too


def test_shift_log_in_english(boss, night_with_sos):
    page = text(boss.get(f"/review/shifts/{night_with_sos['shift']}?lang=en"))
    assert "Pressed (phone time)" in page and "Received (server)" in page
    assert "by Arbetsledare Demo" in page and "Not acknowledged" in page


def test_natten_lists_acknowledged_sos_with_lifecycle_not_only_open_ones(
    boss, night_with_sos, seeded
):
    page = text(boss.get(NIGHT_URL))
    section = page[page.index('class="card night-sos"') :]
    section = section[: section.index("</section>")]
    assert "Nattens SOS-larm (2, 1 ej kvitterade)" in section
    acked = section[section.index(f'id="night-sos-{night_with_sos["acked"]}"') :]
    acked = acked[: acked.index("</li>")]
    assert "Väktare Demo" in acked and "kvitterat" in acked
    assert "2026-11-23 23:15:00" in acked and "23:15:04 (+4 s)" in acked
    assert "23:16:30 (+1 min)" in acked and "av Arbetsledare Demo" in acked
    assert f"/review/shifts/{night_with_sos['shift']}#sos-entry-{night_with_sos['acked']}" in acked
    assert "Ej kvitterat" in section[section.index(f'id="night-sos-{night_with_sos["open"]}"') :]
    # The shift's card says it had SOS alerts.
    assert "2 SOS" in page

    # Once both are acknowledged the board at the top is empty, and Natten still has both.
    pin(seeded, night_with_sos["open"], acknowledged_at=datetime(2026, 11, 24, 6, 5, tzinfo=UTC))
    with seeded.app_context():
        boss_id = db.session.scalar(sa.select(User.id).where(User.username == "supervisor"))
    pin(seeded, night_with_sos["open"], acknowledged_by_id=boss_id)
    page = text(boss.get(NIGHT_URL))
    assert 'class="sos-alert"' not in page  # nothing open
    assert "Nattens SOS-larm (2)" in page
    assert page.count('class="night-sos-alert"') == 2
    assert "07:05:00" in page  # acknowledged in the morning, Stockholm time


def test_a_night_without_sos_shows_no_sos_section(boss, api_as, places):
    shift_id = sync_shift(api_as("guard"), places)["shift"]
    page = text(boss.get(NIGHT_URL))
    assert "night-sos" not in page and "Nattens SOS-larm" not in page
    assert "<dt>SOS-larm</dt><dd>0</dd>" in page
    log = text(boss.get(f"/review/shifts/{shift_id}"))
    assert "sos-entry" not in log
    rows = excel_rows(boss.get(SOS_CSV))
    assert rows == []


def test_sos_without_a_shift_id_belongs_to_the_guards_shift_and_night(boss, seeded, api_as, places):
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    loose = press(guard, occurred_at="2026-11-23T22:00:00+01:00")
    # Another night's SOS stays on its own night.
    other = press(guard, occurred_at="2026-11-25T22:00:00+01:00")
    log = text(boss.get(f"/review/shifts/{ids['shift']}"))
    assert f"sos-entry-{loose}" in log and other not in log
    night = text(boss.get(NIGHT_URL))
    assert f"night-sos-{loose}" in night and f"night-sos-{other}" not in night
    assert [r["SOS-id"] for r in excel_rows(boss.get(SOS_CSV))] == [loose]
    # Without a shift the row has no shift log link, and the night is that of its time.
    (row,) = excel_rows(boss.get(SOS_CSV))
    assert row["Natt"] == "2026-11-23" and row["Pass-id"] == "" and row["Passlogg"] == ""


def excel_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_sos_csv_one_row_per_alert_in_stockholm_time(boss, night_with_sos):
    response = boss.get(SOS_CSV)
    assert (
        'filename="nattpatrull-sos-larm-2026-11-23.csv"' in response.headers["Content-Disposition"]
    )
    rows = excel_rows(response)
    assert [r["SOS-id"] for r in rows] == [night_with_sos["acked"], night_with_sos["open"]]
    acked, still_open = rows
    assert acked == {
        "Natt": "2026-11-23",
        "SOS-id": night_with_sos["acked"],
        "Väktare": "Väktare Demo",
        "Tryckt (telefon)": "2026-11-23T23:15:00+01:00",
        "Mottaget (server)": "2026-11-23T23:15:04+01:00",
        "Status": "kvitterat",
        "Kvitterat": "2026-11-23T23:16:30+01:00",
        "Kvitterat av": "Arbetsledare Demo",
        "Position": acked["Position"],
        "Noggrannhet (m)": "9",
        "Karta": acked["Karta"],
        "Anteckning": "Hotfull person vid port 2",
        "Pass-id": night_with_sos["shift"],
        "Passlogg": f"http://localhost/review/shifts/{night_with_sos['shift']}",
        # Alone at night: the alarm's kind and the rest of its lifecycle (none for this SOS).
        "Larmtyp": "SOS",
        "Väktaren svarade": "",
        "Hörd igen": "",
        "Eskalerat till arbetsledarna": "",
        "Larmmottagaren": "",
    }
    assert acked["Position"].count(",") == 1 and acked["Karta"].startswith(
        "https://www.openstreetmap.org/?mlat="
    )
    # The 02:40 alert is of the same night (its shift's), and still open.
    assert still_open["Natt"] == "2026-11-23"
    assert still_open["Tryckt (telefon)"] == "2026-11-24T02:40:00+01:00"
    assert still_open["Mottaget (server)"] == "2026-11-24T02:40:02+01:00"
    assert still_open["Status"] == "ej kvitterat"
    assert still_open["Kvitterat"] == still_open["Kvitterat av"] == ""
    assert still_open["Position"] == still_open["Karta"] == ""
    # A range of nights holds them; a night before does not.
    assert len(excel_rows(boss.get("/review/export.csv?what=sos&from=2026-11-20&to=2026-11-30")))
    assert excel_rows(boss.get("/review/export.csv?what=sos&from=2026-11-20&to=2026-11-22")) == []


def test_sos_csv_neutralises_formulas_in_names_and_notes(boss, seeded, api_as, places):
    guard = api_as("guard")
    ids = sync_shift(guard, places)
    press(guard, shift_id=ids["shift"], occurred_at="2026-11-23T23:00:00+01:00", note="=1+1")
    acked = press(
        guard, shift_id=ids["shift"], occurred_at="2026-11-23T23:05:00+01:00", note="@SUM(A1)"
    )
    assert api_as("supervisor").post(f"/api/v1/sos/{acked}/acknowledge").status_code == 200
    with seeded.app_context():
        for username, name in (("guard", "-2+3"), ("supervisor", "+cmd|' /C calc'!A0")):
            db.session.execute(
                sa.update(User).where(User.username == username).values(display_name=name)
            )
        db.session.commit()
    first, second = excel_rows(boss.get(SOS_CSV))
    assert first["Anteckning"] == "'=1+1" and second["Anteckning"] == "'@SUM(A1)"
    assert first["Väktare"] == second["Väktare"] == "'-2+3"
    assert second["Kvitterat av"] == "'+cmd|' /C calc'!A0"
    # And on the pages the same text is only text.
    page = text(boss.get(NIGHT_URL))
    assert "+cmd|&#39; /C calc&#39;!A0" in page and "=1+1" in page


def test_sos_csv_is_for_reviewers_only(seeded, api_as, night_with_sos):
    assert api_as("guard").get(SOS_CSV).status_code == 403
    assert seeded.test_client().get(SOS_CSV).status_code in (302, 401)
