"""CSV import (issue 9 point 3): Swedish Excel's semicolons, decimal commas and Windows-1252,
UTF-8 with BOM and commas; a preview with every row's outcome; one transaction; re-importing
changes nothing; files that are not CSV get a clear message. And it says what it will do (issue
21, point 6): an unknown owner is an error unless "Skapa nya ägare" is ticked, duplicate rows
name each other's lines, every error of a row is listed, the template's example owner never
becomes an owner."""

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


def upload(api, data: bytes, area_id, filename="fastigheter.csv", create_owners=False):
    form = {"area": str(area_id), "file": (io.BytesIO(data), filename)}
    if create_owners:
        form["create_owners"] = "1"
    return api.post("/admin/import", data=form, content_type="multipart/form-data")


def hidden_text(html: str) -> str:
    import html as html_module

    return html_module.unescape(
        html.split('<textarea name="text" hidden>', 1)[1].split("</textarea>")[0]
    )


def area_id(app) -> int:
    return scalar(app, sa.select(Area.id))


def test_preview_then_import_then_reimport_changes_nothing(api_as, seeded):
    admin = api_as("admin")
    preview = upload(admin, swedish_excel_csv(), area_id(seeded), create_owners=True)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "2 nya, 0 ändrade, 0 oförändrade, 2 med fel" in html
    assert "ny ägare: Trianon AB · Möllevången 3 · Entré (MV1)" in html
    assert "Rad 4, kolumn ”Lat”: Måste vara mellan -90 och 90." in html
    assert "Rad 5, kolumn ”Radie m”: Måste vara mellan 1 och 5000." in html
    # Nothing stored by the preview.
    assert count(seeded, Organization, Organization.name == "Trianon AB") == 0
    assert count(seeded, AuditEvent) == 0

    applied = admin.post(
        "/admin/import/apply",
        data={"area": str(area_id(seeded)), "text": hidden_text(html), "create_owners": "1"},
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
    html = upload(admin, swedish_excel_csv(rows), area_id(seeded), create_owners=True).get_data(
        as_text=True
    )
    assert "Rad 2, kolumn ”Kod”: Koden används redan av en annan kontrollpunkt." in html
    assert "0 nya, 0 ändrade, 0 oförändrade, 1 med fel" in html


def test_an_unknown_owner_is_an_error_unless_create_new_owners_is_ticked(api_as, seeded):
    admin = api_as("admin")
    rows = ("Trianon AB;T-20;Nobelvägen 2;Nobelvägen 2, Malmö;;;Entré;NV1;;;",)
    html = upload(admin, swedish_excel_csv(rows), area_id(seeded)).get_data(as_text=True)
    assert "0 nya, 0 ändrade, 0 oförändrade, 1 med fel" in html
    assert (
        "Rad 2, kolumn ”Ägare”: Det finns ingen ägare som heter ”Trianon AB”. Kontrollera "
        "stavningen, eller kryssa i ”Skapa nya ägare” för att skapa den." in html
    )
    # "Importera" without the box writes nothing of the row.
    admin.post(
        "/admin/import/apply", data={"area": str(area_id(seeded)), "text": hidden_text(html)}
    )
    assert count(seeded, Organization, Organization.name == "Trianon AB") == 0
    assert count(seeded, Property, Property.owner_ref == "T-20") == 0

    html = upload(admin, swedish_excel_csv(rows), area_id(seeded), create_owners=True).get_data(
        as_text=True
    )
    assert "1 nya, 0 ändrade, 0 oförändrade, 0 med fel" in html
    assert "ny ägare: Trianon AB · Nobelvägen 2 · Entré (NV1)" in html
    # The tick travels with the preview to "Importera".
    assert '<input type="hidden" name="create_owners" value="1">' in html
    admin.post(
        "/admin/import/apply",
        data={"area": str(area_id(seeded)), "text": hidden_text(html), "create_owners": "1"},
    )
    assert count(seeded, Organization, Organization.name == "Trianon AB") == 1
    assert count(seeded, AuditEvent, AuditEvent.entity == "organization") == 1
    # The upload form offers the box, unticked.
    page = admin.get("/admin/import").get_data(as_text=True)
    assert 'name="create_owners" type="checkbox" value="1" >' in page
    assert "Skapa nya ägare" in page


def test_the_templates_example_owner_never_becomes_a_new_owner(api_as, seeded):
    admin = api_as("admin")
    template = admin.get("/admin/import/template.csv").data
    with seeded.app_context():
        from patrol.db import db

        db.session.execute(
            sa.update(Organization)
            .where(Organization.name == "MKB Fastighets AB")
            .values(name="MKB Fastigheter")
        )
        db.session.commit()
    html = upload(admin, template, area_id(seeded), create_owners=True).get_data(as_text=True)
    assert "0 nya, 0 ändrade, 0 oförändrade, 1 med fel" in html
    assert "”MKB Fastighets AB” är mallens exempel." in html
    assert count(seeded, Organization, Organization.name == "MKB Fastighets AB") == 0


def test_duplicate_rows_are_errors_naming_both_lines(api_as, seeded):
    admin = api_as("admin")
    rows = (
        "Trianon AB;T-17;Möllevången 3;Möllevångsgatan 3, Malmö;;;Entré;MV1;;;",
        "Trianon AB;T-17;Möllevången 3;Möllevångsgatan 3, Malmö;;;Tvättstuga;MV2;;;",
        "Trianon AB;T-17;Möllevången 3;Möllevångsgatan 3, Malmö;;;Entré;mv1;;;",
        "Trianon AB;T-18;Södra Förstadsgatan 9;Södra Förstadsgatan 9, Malmö;;;;;;;",
        "Trianon AB;T-18;Södra Förstadsgatan 9;Södra Förstadsgatan 9, Malmö;;;;;;;",
    )
    html = upload(admin, swedish_excel_csv(rows), area_id(seeded), create_owners=True).get_data(
        as_text=True
    )
    same_point = "Rad 2 och 4 är samma kontrollpunkt (kod MV1): behåll en av dem."
    assert f"Rad 2, kolumn ”Kod”: {same_point}" in html
    assert f"Rad 4, kolumn ”Kod”: {same_point}" in html
    same_property = "Rad 5 och 6 är samma fastighet (samma adress): behåll en av dem."
    assert f"Rad 5, kolumn ”Adress”: {same_property}" in html
    assert f"Rad 6, kolumn ”Adress”: {same_property}" in html
    # Line 3 is its own checkpoint and goes in; the duplicates are not guessed at.
    assert "1 nya, 0 ändrade, 0 oförändrade, 4 med fel" in html


def test_every_error_of_a_row_is_listed(api_as, seeded):
    admin = api_as("admin")
    # An unknown owner, a latitude out of range, a code used elsewhere, a radius of 0.
    rows = ("Trianonn AB;T-20;Nobelvägen 2;Nobelvägen 2, Malmö;95;13,0;Entré;S101;;;0",)
    html = upload(admin, swedish_excel_csv(rows), area_id(seeded)).get_data(as_text=True)
    for message in (
        "Rad 2, kolumn ”Ägare”: Det finns ingen ägare som heter ”Trianonn AB”.",
        "Rad 2, kolumn ”Lat”: Måste vara mellan -90 och 90.",
        "Rad 2, kolumn ”Kod”: Koden används redan av en annan kontrollpunkt.",
        "Rad 2, kolumn ”Radie m”: Måste vara mellan 1 och 5000.",
    ):
        assert message in html, message
    assert "0 nya, 0 ändrade, 0 oförändrade, 1 med fel" in html
