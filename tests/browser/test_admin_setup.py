"""The operator's set-up in a real browser at phone size (390x844, Swedish, dark): an admin
imports a Swedish-Excel CSV with an error row, creates a checkpoint and sets its position by
walking there ("Använd min position", Playwright's geolocation), prints its QR sticker (every
QR code in the PDF decodes to the exact /c/<token> URL), and a guard then checks in there on
a phone. A second test takes screenshots of every admin page at 1366x900 and 390x844."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.nights import TIME_ZONE_NAME
from patrol.shifts.models import CheckIn
from patrol.sites.models import Area, Checkpoint, Property
from tests.support.admin import pdf_qr_texts
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible, serious_axe_violations
from tests.support.guard_browser import (
    check_in_with_code,
    guard_context,
    login,
    start_shift,
    wait_until_all_sent,
)

pytestmark = pytest.mark.browser

AT_THE_DOOR = {"latitude": 55.600123, "longitude": 13.000456, "accuracy": 7}
CSV_ROWS = (
    "Ägare;Ägarens fastighets-id;Fastighet;Adress;Lat;Lon;Kontrollpunkt;Kod;"
    "Kontrollpunkt lat;Kontrollpunkt lon;Radie m",
    "Trianon AB;T-17;Möllevången 3;Möllevångsgatan 3, Malmö;55,5901;13,0061;Entré;MV1;;;30",
    "Trianon AB;T-18;Södra Förstadsgatan 9;Södra Förstadsgatan 9, Malmö;95;13,0;Entré;MV3;;;",
)


def admin_login(page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(base_url + "/review/")


def test_set_up_print_and_check_in(browser, live_server, live_app, tmp_path, output_dir):
    context = guard_context(browser, geolocation=AT_THE_DOOR)
    context.set_default_timeout(30_000)
    page = context.new_page()
    base = live_server.url
    admin_login(page, base)

    # Import: Swedish Excel (semicolons, decimal commas, Windows-1252) with an error row.
    csv_file = tmp_path / "fastigheter.csv"
    csv_file.write_bytes(("\r\n".join(CSV_ROWS) + "\r\n").encode("cp1252"))
    page.goto(base + "/admin/import")
    page.get_by_label("Område").select_option(label="Södra Sofielund")
    page.get_by_label("CSV-fil").set_input_files(str(csv_file))
    # Trianon AB is not an owner yet: only with the box ticked may the import create it.
    page.get_by_label("Skapa nya ägare").check()
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_text("1 nya, 0 ändrade, 0 oförändrade, 1 med fel")).to_be_visible()
    expect(page.get_by_text("ny ägare: Trianon AB")).to_be_visible()
    expect(page.get_by_text("Rad 3, kolumn ”Lat”: Måste vara mellan -90 och 90.")).to_be_visible()
    assert_accessible(page, "admin-import-preview-phone")
    page.screenshot(path=str(output_dir / "admin-import-preview-phone.png"), full_page=True)
    page.get_by_role("button", name="Importera").click()
    expect(page.get_by_text("Importerat: 1 nya")).to_be_visible()

    # A new checkpoint on the imported property, its position set by walking there.
    page.goto(base + "/admin/properties?q=Möllevången")
    page.get_by_role("link", name="Möllevången 3").click()
    page.get_by_role("link", name="Ny kontrollpunkt").click()
    page.get_by_label("Benämning").fill("Cykelrum")
    page.get_by_label("Kod", exact=True).fill("mv9")
    page.get_by_label("Radie (m)").fill("25")
    page.get_by_role("button", name="Använd min position").click()
    expect(page.locator(".position-status")).to_contain_text("±7 m")
    expect(page.get_by_label("Latitud")).to_have_value("55.600123")
    assert_accessible(page, "admin-position-phone")
    page.screenshot(path=str(output_dir / "admin-position-phone.png"), full_page=True)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Sparat.")).to_be_visible()
    with live_app.app_context():
        point = db.session.scalar(sa.select(Checkpoint).where(Checkpoint.short_code == "MV9"))
        assert (point.lat, point.lon, point.position_accuracy_m) == (55.600123, 13.000456, 7)
        token = point.token
        assert point.property.organization.name == "Trianon AB"

    # The sticker: the PDF opens and its QR code decodes to the exact check-in URL.
    pdf = page.request.get(base + f"/admin/stickers.pdf?checkpoint={point.id}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf_qr_texts(pdf.body()) == [f"{base}/c/{token}"]
    expect(page.get_by_text(f"{base}/c/{token}")).to_be_visible()
    context.close()

    # A guard's phone picks the new checkpoint up and checks in with its typed code.
    phone_context = guard_context(browser)
    phone = phone_context.new_page()
    login(phone, base)
    start_shift(phone)
    check_in_with_code(phone, "MV9")
    wait_until_all_sent(phone)
    with live_app.app_context():
        checkin = db.session.scalar(sa.select(CheckIn).where(CheckIn.checkpoint_id == point.id))
        assert checkin is not None and checkin.method == "code"
    phone_context.close()


def test_screenshots_of_every_admin_page(browser, live_server, live_app, output_dir):
    with live_app.app_context():
        area_id = db.session.scalar(sa.select(Area.id))
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        property_id, checkpoint_id = prop.id, prop.checkpoints[0].id
    pages = {
        "index": "/admin/",
        "area": f"/admin/areas/{area_id}",
        "properties": "/admin/properties?q=gatan",
        "property": f"/admin/properties/{property_id}",
        "checkpoint": f"/admin/checkpoints/{checkpoint_id}",
        "new-checkpoint": f"/admin/properties/{property_id}/checkpoints/new",
        "users": "/admin/users",
        "new-user": "/admin/users/new",
        "import": "/admin/import",
        "audit": "/admin/audit",
        "password": "/account/password",
    }
    folder = output_dir / "admin"
    folder.mkdir(exist_ok=True)
    # A one-time password as the admin sees it once, and the supervisor's read-only view.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="sv-SE", color_scheme="dark"
    )
    page = context.new_page()
    admin_login(page, live_server.url)
    page.goto(live_server.url + "/admin/users/new")
    page.get_by_label("Användarnamn").fill("nyvakt")
    page.get_by_label("Visningsnamn").fill("Ny Väktare")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#one-time-password")).to_be_visible()
    assert_accessible(page, "one-time-password-phone")
    page.screenshot(path=str(folder / "one-time-password-phone.png"), full_page=True)
    context.close()
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="sv-SE", color_scheme="dark"
    )
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(live_server.url + "/review/")
    page.goto(live_server.url + f"/admin/checkpoints/{checkpoint_id}")
    expect(page.get_by_text("Endast läsning")).to_be_visible()
    expect(page.get_by_role("button", name="Spara")).to_have_count(0)
    assert_accessible(page, "checkpoint-supervisor-desk")
    page.screenshot(path=str(folder / "checkpoint-supervisor-desk.png"), full_page=True)
    context.close()
    problems = {}  # axe-core's serious and critical findings, per page and size
    for name, size in (
        ("desk", {"width": 1366, "height": 900}),
        ("phone", {"width": 390, "height": 844}),
    ):
        context = browser.new_context(
            viewport=size, locale="sv-SE", color_scheme="dark", timezone_id=TIME_ZONE_NAME
        )
        page = context.new_page()
        admin_login(page, live_server.url)
        for page_name, url in pages.items():
            answer = page.goto(live_server.url + url)
            assert answer.ok, url
            expect(page.locator("h1")).to_be_visible()
            # Nothing wider than the screen.
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (url, name, overflow)
            violations = serious_axe_violations(page)
            if violations:
                problems[f"{page_name} {name}"] = violations
            page.screenshot(path=str(folder / f"{page_name}-{name}.png"), full_page=True)
        context.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_guard_sees_post_orders_marked_new_until_read(browser, live_server, live_app, output_dir):
    """Instructions set by the admin reach the phone with the sites data and show at a QR
    check-in, offline, marked "Ny" until the guard taps "Läst" (issue 21, point 8)."""
    from patrol.db import utcnow

    with live_app.app_context():
        point = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        point.instructions = "Polisen först vid akut händelse."
        point.instructions_changed_at = utcnow()
        point.property.instructions = "Larmet i källaren går till Securitas."
        point.property.instructions_changed_at = utcnow()
        db.session.commit()
        token = point.token
    context = guard_context(browser)
    page = context.new_page()
    login(page, live_server.url)
    start_shift(page)
    context.set_offline(True)
    page.goto(f"{live_server.url}/c/{token}")
    box = page.locator(".qr-card .instructions")
    expect(box).to_contain_text("Polisen först vid akut händelse.")
    expect(box).to_contain_text("Larmet i källaren går till Securitas.")
    expect(box.locator(".new-badge")).to_have_count(2)
    assert_accessible(page, "admin-guard-instructions")
    page.screenshot(path=str(output_dir / "admin-guard-instructions.png"), full_page=True)
    page.goto(f"{live_server.url}/c/{token}")
    expect(page.locator(".qr-card .instructions")).to_contain_text("Polisen först")
    expect(page.locator(".qr-card .instructions .new-badge")).to_have_count(2)
    reads = page.locator(".qr-card .instruction-read")
    for left in (1, 0):
        reads.first.click()
        expect(reads).to_have_count(left)
    page.goto(f"{live_server.url}/c/{token}")
    expect(page.locator(".qr-card .instructions")).to_contain_text("Polisen först")
    expect(page.locator(".qr-card .instructions .new-badge")).to_have_count(0)
    context.close()
