"""CSV import (issue 9 point 3): Swedish Excel's semicolons, decimal commas and Windows-1252,
UTF-8 with BOM and commas; a preview with every row's outcome; one transaction; re-importing
changes nothing; files that are not CSV get a clear message."""

from __future__ import annotations

import io

import sqlalchemy as sa

from patrol.audit import AuditEvent
from patrol.sites.models import Area, Checkpoint, Organization, Property
from tests.support.admin import count, scalar

HEADER = (
    "Ägare;Ägarens fastighets-id;Fastighet;Adress;Lat;Lon;Kontrollpunkt;Kod;"
    "Kontrollpunkt lat;Kontrollpunkt lon;Radie m"
)
SWEDISH_EXCEL_ROWS = (
    "Trianon AB;T-17;Möllevången 3;Möllevångsgatan 3, Malmö;55,5901;13,0061;Entré;MV1;;;30",
    "Trianon AB;T-17;Möllevången 3;Möllevångsgatan 3, Malmö;55,5901;13,0061;Tvättstuga;MV2;55,5902;13,0062;",
    "Trianon AB;T-18;Södra Förstadsgatan 9;Södra Förstadsgatan 9, Malmö;95;13,0;Entré;MV3;;;",
    "Trianon AB;T-19;Öresundshuset;Öresundsgatan 1, Malmö;;;Källare;MV4;;;0",
)


def swedish_excel_csv(rows=SWEDISH_EXCEL_ROWS) -> bytes:
    return ("\r\n".join((HEADER, *rows)) + "\r\n").encode("cp1252")


def upload(api, data: bytes, area_id, filename="fastigheter.csv"):
    return api.post(
        "/admin/import",
        data={"area": str(area_id), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def hidden_text(html: str) -> str:
    import html as html_module

    return html_module.unescape(
        html.split('<textarea name="text" hidden>', 1)[1].split("</textarea>")[0]
    )


def area_id(app) -> int:
    return scalar(app, sa.select(Area.id))


def test_preview_then_import_then_reimport_changes_nothing(api_as, seeded):
    admin = api_as("admin")
    preview = upload(admin, swedish_excel_csv(), area_id(seeded))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 nya, 0 ändrade, 0 oförändrade, 2 med fel" in html
    assert "Rad 4, kolumn ”Lat”: Måste vara mellan -90 och 90." in html
    assert "Rad 5, kolumn ”Radie m”: Måste vara mellan 1 och 5000." in html
    # Nothing stored by the preview.
    assert count(seeded, Organization, Organization.name == "Trianon AB") == 0
    assert count(seeded, AuditEvent) == 0

    applied = admin.post(
        "/admin/import/apply", data={"area": str(area_id(seeded)), "text": hidden_text(html)}
    )
    assert applied.status_code == 302
    with seeded.app_context():
        from patrol.db import db

        prop = db.session.scalar(sa.select(Property).where(Property.owner_ref == "T-17"))
        assert prop.name == "Möllevången 3" and prop.lat == 55.5901
        assert sorted(c.short_code for c in prop.checkpoints) == ["MV1", "MV2"]
        laundry = db.session.scalar(sa.select(Checkpoint).where(Checkpoint.short_code == "MV2"))
        assert (laundry.lat, laundry.lon, laundry.radius_m) == (55.5902, 13.0062, 50.0)
    assert count(seeded, Property, Property.owner_ref.in_(["T-18", "T-19"])) == 0
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "CSV-import" in audit and "Möllevången 3" in audit

    again = upload(admin, swedish_excel_csv(), area_id(seeded)).get_data(as_text=True)
    assert "0 nya, 0 ändrade, 2 oförändrade, 2 med fel" in again
    events = count(seeded, AuditEvent)
    admin.post(
        "/admin/import/apply", data={"area": str(area_id(seeded)), "text": hidden_text(again)}
    )
    assert count(seeded, AuditEvent) == events + 1  # only the import's own summary


def test_utf8_with_bom_and_commas_and_a_changed_row(api_as, seeded):
    admin = api_as("admin")
    text = (
        "owner,owner_ref,name,address,lat,lon,label,short_code,checkpoint_lat,checkpoint_lon,radius_m\n"
        'MKB Fastighets AB,,Rasmusgatan 5,"Rasmusgatan 5, 214 36 Malmö",55.58712,13.01466,Entré,S101,,,40\n'
        'MKB Fastighets AB,,Rasmusgatan 5,"Rasmusgatan 5, 214 36 Malmö",55.58712,13.01466,Ny dörr,S900,,,25\n'
    )
    html = upload(admin, ("\ufeff" + text).encode("utf-8"), area_id(seeded)).get_data(as_text=True)
    assert "1 nya, 0 ändrade, 1 oförändrade, 0 med fel" in html
    changed = text.replace("Entré,S101,,,40", "Huvudentré,S101,,,40")
    html = upload(admin, changed.encode("utf-8"), area_id(seeded)).get_data(as_text=True)
    assert "1 nya, 1 ändrade, 0 oförändrade, 0 med fel" in html


def test_the_template_downloads_and_imports(api_as, seeded):
    admin = api_as("admin")
    template = admin.get("/admin/import/template.csv")
    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    assert template.data.startswith("\ufeffÄgare;".encode())
    html = upload(admin, template.data, area_id(seeded)).get_data(as_text=True)
    # Its example row is the demo's Rasmusgatan 5 with the owner's id added.
    assert "0 nya, 1 ändrade, 0 oförändrade, 0 med fel" in html


def test_files_that_are_not_csv_get_a_clear_message(api_as, seeded):
    admin = api_as("admin")
    for data, message in (
        (b"PK\x03\x04" + b"\x00" * 100, "Det här är en Excel-arbetsbok"),
        (b"%PDF-1.7\n", "Det här är inte en CSV-fil."),
        (b"namn;gata\nx;y\n", "Inte en CSV-fil med mallens kolumner"),
        (b"", "Filen är tom."),
        (HEADER.encode("cp1252") + b"\r\n", "Filen har inga rader under rubrikerna."),
    ):
        answer = upload(admin, data, area_id(seeded))
        assert answer.status_code == 422, message
        assert message in answer.get_data(as_text=True), message
    answer = upload(admin, swedish_excel_csv(), "")
    assert "Välj området som fastigheterna hör till." in answer.get_data(as_text=True)
    assert count(seeded, AuditEvent) == 0


def test_a_50_mb_upload_gets_a_clear_message_and_stores_nothing(api_as, seeded):
    admin = api_as("admin")
    big = swedish_excel_csv() + b"x" * (50 * 1024 * 1024)
    answer = upload(admin, big, area_id(seeded))
    assert answer.status_code == 413
    assert "Filen är för stor (högst 10 MB)" in answer.get_data(as_text=True)
    assert count(seeded, Organization, Organization.name == "Trianon AB") == 0


def test_a_short_code_of_another_checkpoint_is_an_error_on_its_column(api_as, seeded):
    admin = api_as("admin")
    rows = ("Trianon AB;T-20;Nobelvägen 2;Nobelvägen 2, Malmö;;;Entré;S101;;;",)
    html = upload(admin, swedish_excel_csv(rows), area_id(seeded)).get_data(as_text=True)
    assert "Rad 2, kolumn ”Kod”: Koden används redan av en annan kontrollpunkt." in html
    assert "0 nya, 0 ändrade, 0 oförändrade, 1 med fel" in html
