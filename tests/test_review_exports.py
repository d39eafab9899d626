"""Exports: the CSV of a range of nights (Excel-friendly) and the PDF "Nattrapport"."""

from __future__ import annotations

import csv
import io
import re
import zlib

import pytest

from patrol import pdf
from tests.support.review import NIGHT, sync_shift


@pytest.fixture
def synced(api_as, places):
    return sync_shift(api_as("guard"), places)


def post(client, url, **form):
    return client.post(url, data={"csrf_token": client.csrf, **form})


def test_csv_is_utf8_with_bom_swedish_headers_one_row_per_report(boss, synced, api_as, places):
    post(
        boss,
        f"/review/reports/{synced['lighting']}/correct",
        category="vandalism",
        level="disturbance",
    )
    post(boss, f"/review/reports/{synced['lighting']}/approve", comment="Ok")
    # A report of another night stays out of a one-night export.
    sync_shift(
        api_as("guard2"),
        places,
        started="2026-11-25T19:40:00+01:00",
        ended="2026-11-26T03:00:00+01:00",
        night_day="2026-11-25",
        next_day="2026-11-26",
    )
    response = boss.get(f"/review/export.csv?from={NIGHT}&to={NIGHT}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert {
        "Natt",
        "Väktare",
        "Fastighet",
        "Kategori (väktare)",
        "Nivå (väktare)",
        "Kategori (korrigerad)",
        "Fotolänkar",
    } <= set(rows[0])
    lighting = next(r for r in rows if r["Rapport-id"] == synced["lighting"])
    assert lighting["Natt"] == "2026-11-23"
    assert lighting["Tid (telefon)"] == "2026-11-23T20:12:00+01:00"  # Stockholm time, offset
    assert lighting["Kategori (väktare)"] == "Trasig belysning"
    assert lighting["Nivå (väktare)"] == "Förebyggande"
    assert lighting["Kategori (korrigerad)"] == "Skadegörelse"
    assert lighting["Nivå (korrigerad)"] == "Pågående störning"
    assert lighting["Status"] == "granskad" and lighting["Kommentar"] == "Ok"
    assert lighting["Foton"] == "1" and lighting["Foton som saknas"] == "1"
    assert lighting["Fotolänkar"] == (
        f"http://localhost/api/v1/reports/{synced['lighting']}/photos/{synced['photo']}"
    )
    assert lighting["Beskrivning"] == "Trasig lampa i trapphuset, plan 2."
    # English page language changes nothing in the file.
    english = boss.get(f"/review/export.csv?from={NIGHT}&to={NIGHT}&lang=en").data
    assert english.decode("utf-8-sig").splitlines()[0] == raw.decode("utf-8-sig").splitlines()[0]


def test_csv_neutralises_formulas_in_guard_text(boss, api_as, places):
    from tests.support.review import new_id

    guard = api_as("guard")
    shift = new_id()
    guard.put(f"/api/v1/shifts/{shift}", json={"started_at": "2026-11-23T20:00:00+01:00"})
    report = new_id()
    response = guard.put(
        f"/api/v1/reports/{report}",
        json={
            "shift_id": shift,
            "property_id": places["p1"],
            "category": "other",
            "level": "preventive",
            "description": '=HYPERLINK("http://x")',
            "occurred_at": "2026-11-23T21:00:00+01:00",
            "photo_ids": [],
        },
    )
    assert response.status_code == 201
    body = boss.get(f"/review/export.csv?from={NIGHT}&to={NIGHT}").data.decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert row["Beskrivning"] == '\'=HYPERLINK("http://x")'


def test_csv_refuses_bad_ranges_with_a_message(boss, seeded):
    for query, message in (
        ("", "Ange första och sista natten"),
        (f"?from={NIGHT}", "Ange första och sista natten"),
        ("?from=2026-13-01&to=2026-13-02", "ÅÅÅÅ-MM-DD"),
        ("?from=2026-11-24&to=2026-11-23", "får inte vara före"),
        ("?from=2024-01-01&to=2026-01-01", "Högst 366 nätter"),
    ):
        response = boss.get("/review/export.csv" + query)
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query
    empty = boss.get("/review/export.csv?from=2026-01-01&to=2026-01-02")
    assert empty.status_code == 200 and len(empty.data.decode("utf-8-sig").splitlines()) == 1


def pdf_streams(data: bytes) -> str:
    """The PDF's decompressed content streams as text (to look for drawn text and images)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


def test_night_pdf_has_summary_timeline_and_photos(boss, synced, seeded):
    response = boss.get(f"/review/nights/{NIGHT}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF-")
    assert data.count(b"/Subtype /Image") == 1  # the one photo that arrived
    if pdf.find_font():
        assert b"DejaVu" in data  # a Unicode font is embedded for å, ä, ö
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert pages >= 2  # summary and timelines, then the reports
    assert boss.get("/review/nights/2026-02-30.pdf").status_code == 404


def test_night_pdf_falls_back_to_a_core_font_without_dejavu(boss, synced, seeded, monkeypatch):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    response = boss.get(f"/review/nights/{NIGHT}.pdf")
    assert response.status_code == 200
    data = response.data
    assert b"DejaVu" not in data and b"/Helvetica" in data
    streams = pdf_streams(data)
    # Latin-1 keeps the Swedish letters: "Trasig belysning", "Förebyggande", "Väktare".
    assert "F\xf6rebyggande" in streams and "Nattrapport" in streams
    assert pdf.latin1("Ångström – ok ✓") == "Ångström - ok ?"


def test_synthetic_night_with_photo_files_makes_a_pdf_with_its_photos(boss, seeded):
    """The bench's seeding path: photo files written through the photo store."""
    from datetime import date

    from tests.support.synthetic import seed_night

    night = date(2026, 10, 6)
    with seeded.app_context():
        seed_night(night, shifts=1, checkins=2, reports=3, photos=2, photo_files=True, seed=5)
    response = boss.get(f"/review/nights/{night}.pdf")
    assert response.status_code == 200
    assert response.data.count(b"/Subtype /Image") == 2


def excel_rows(response) -> list[dict]:
    """The file as Swedish Excel opens it: UTF-8 with a BOM, semicolon-separated."""
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


# ISO 8601 with the offset: unambiguous on the autumn night (patrol.csvfile).
EXCEL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def test_csv_file_names_say_what_and_which_nights(boss, synced):
    for what, word in (("reports", "rapporter"), ("checkins", "incheckningar")):
        one = boss.get(f"/review/export.csv?what={what}&from={NIGHT}&to={NIGHT}")
        assert f'filename="nattpatrull-{word}-2026-11-23.csv"' in one.headers["Content-Disposition"]
        many = boss.get(f"/review/export.csv?what={what}&from=2026-11-20&to={NIGHT}")
        assert (
            f'filename="nattpatrull-{word}-2026-11-20--2026-11-23.csv"'
            in many.headers["Content-Disposition"]
        )
    unknown = boss.get(f"/review/export.csv?what=photos&from={NIGHT}&to={NIGHT}")
    assert unknown.status_code == 400
    assert "Välj rapporter, incheckningar, arbetsordrar eller SOS-larm" in unknown.get_data(
        as_text=True
    )
    # Natten offers all four.
    page = boss.get(f"/review/nights/{NIGHT}").get_data(as_text=True)
    for what in ("reports", "checkins", "work-orders", "sos"):
        assert f"/review/export.csv?what={what}&amp;from={NIGHT}&amp;to={NIGHT}" in page


def test_checkins_csv_one_row_each_with_method_distance_and_flags(boss, synced, places):
    response = boss.get(f"/review/export.csv?what=checkins&from={NIGHT}&to={NIGHT}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = excel_rows(response)
    assert [r["Incheckning-id"] for r in rows] == synced["checkins"]  # time order
    near, far, manual = rows
    assert near["Natt"] == "2026-11-23" and near["Tid (telefon)"] == "2026-11-23T20:10:00+01:00"
    assert all(
        EXCEL_TIME.match(r["Tid (telefon)"]) and EXCEL_TIME.match(r["Mottagen (server)"])
        for r in rows
    )
    assert near["Metod"] == "QR-kod" and near["Avstånd till kontrollpunkten (m)"] == "0"
    assert near["Flaggor"] == "" and near["Karta"].startswith(
        "https://www.openstreetmap.org/?mlat="
    )
    assert int(far["Avstånd till kontrollpunkten (m)"]) > 1000
    assert far["Flaggor"] == "utanför radien, fel klocka"
    assert manual["Metod"] == "Vald i listan" and manual["Avstånd till kontrollpunkten (m)"] == ""
    assert manual["Flaggor"] == "manuell, ingen position" and manual["Karta"] == ""
    assert near["Fastighet"] == places["p1_name"] and near["Kontrollpunkt"] == "Entré"
    assert near["Väktare"] == "Väktare Demo" and near["Radie (m)"] == "40"


def test_work_orders_csv_of_the_nights(boss, synced, seeded):
    post(
        boss,
        f"/review/reports/{synced['acute']}/work-order",
        what="=Laga källardörren",
        place="Källare",
        priority="high",
    )
    rows = excel_rows(boss.get(f"/review/export.csv?what=work-orders&from={NIGHT}&to={NIGHT}"))
    (row,) = rows
    assert row["Natt"] == "2026-11-23" and EXCEL_TIME.match(row["Skapad"])
    assert row["Vad"] == "'=Laga källardörren"  # never a formula in Excel
    assert row["Prioritet"] == "Hög" and row["Status"] == "öppen" and row["Plats"] == "Källare"
    assert row["Rapport"] == f"http://localhost/review/reports/{synced['acute']}"
    assert row["Skapad av"] == "Arbetsledare Demo" and row["Klar"] == ""
    other = boss.get("/review/export.csv?what=work-orders&from=2026-11-24&to=2026-11-25")
    assert excel_rows(other) == []
