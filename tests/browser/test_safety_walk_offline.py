"""A safety walk on the phone (issue 14), offline, at 390x844, Swedish, dark: the checklist
item by item with three shortcomings and their photos; everything reaches the server exactly
once when the network returns, as reports with the walk instead of a shift; the walk's
summary page and PDF show them (the PDF rendered to PNG and looked at)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.reports.models import Photo, Report
from patrol.safety.models import WalkCheck
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    camera_photo,
    go_offline,
    go_online,
    guard_context,
    login,
    reload,
    wait_for_outbox,
    wait_until_all_sent,
)
from tests.support.safety import CHECKLIST, assert_phone_layout, plan_walk_directly

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

SHOTS = "/work/shots/safety"


def item(page, text: str):
    return page.locator(".walk-item").filter(has_text=text)


def shortcoming(page, container, *, category: str, description: str, photos: tuple, property_name="Rasmusgatan 5", checkpoint="Entré"):  # fmt: skip
    container.get_by_label("Fastighet").select_option(label=property_name)
    container.get_by_label("Kontrollpunkt").select_option(label=checkpoint)
    container.get_by_label("Kategori").select_option(label=category)
    container.get_by_label("Beskrivning").fill(description)
    for n, photo in enumerate(photos):
        container.locator("input[type=file]").set_input_files(photo)
        expect(container.locator(".thumbs .thumb")).to_have_count(n + 1, timeout=30_000)


def test_walk_with_three_findings_and_photos_offline(live_server, live_app, browser):
    today = datetime.now(UTC).astimezone().date()
    walk_id = plan_walk_directly(live_app, today)
    context = guard_context(browser)
    page = context.new_page()
    login(page, live_server.url)
    card = page.locator(".walk-card")
    expect(card.get_by_role("link")).to_have_count(1, timeout=30_000)

    go_offline(context, page)
    reload(page)
    page.locator(".walk-card").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Trygghetsvandring: Södra Sofielund")).to_be_visible()
    expect(page.locator(".walk-progress")).to_have_text(
        f"0 av {len(CHECKLIST)} punkter kontrollerade"
    )
    assert_phone_layout(page)
    assert_accessible(page, "guard-walk-checklist")
    page.screenshot(path=f"{SHOTS}/guard-walk-checklist.png", full_page=True)

    # Item 1: broken lighting, with two photos.
    lights = item(page, CHECKLIST[0])
    lights.get_by_role("button", name=f"Brist: {CHECKLIST[0]}").click()
    shortcoming(page, lights, category="Trasig belysning", description="Lampan vid entrén är trasig.", photos=(camera_photo(11, 1600, 1200), camera_photo(12, 1200, 1600)))  # fmt: skip
    assert_phone_layout(page)
    assert_accessible(page, "guard-walk-finding-form")
    page.screenshot(path=f"{SHOTS}/guard-walk-finding-form.png", full_page=True)
    lights.get_by_role("button", name="Spara").click()
    expect(lights.locator(".walk-status")).to_have_text("1 brist")

    # Item 2 is in order.
    item(page, CHECKLIST[1]).get_by_role("button", name=f"OK: {CHECKLIST[1]}").click()
    expect(item(page, CHECKLIST[1]).locator(".walk-status")).to_have_text("OK")

    # Item 3: the entrance door does not lock, one photo.
    door = item(page, CHECKLIST[2])
    door.get_by_role("button", name=f"Brist: {CHECKLIST[2]}").click()
    shortcoming(page, door, category="Trasig dörr eller lås", description="Entrédörren går inte i lås.", photos=(camera_photo(13, 1600, 1200),))  # fmt: skip
    door.get_by_role("button", name="Spara").click()
    expect(door.locator(".walk-status")).to_have_text("1 brist")

    # A free finding not on the list, with a photo; first without a category (refused).
    free = page.locator(".walk-free")
    free.get_by_role("button", name="Ny brist utanför listan").click()
    free.get_by_label("Fastighet").select_option(label="Jespersgatan 6")
    free.get_by_role("button", name="Spara").click()
    expect(free.get_by_role("alert")).to_have_text("Välj kategori.")
    shortcoming(page, free, category="Nedskräpning eller grovsopor", description="Grovsopor vid cykelstället.", photos=(camera_photo(14, 1600, 1200),), property_name="Jespersgatan 6", checkpoint="Trapphus A")  # fmt: skip
    free.get_by_role("button", name="Spara").click()
    expect(free).to_contain_text("Nedskräpning eller grovsopor: Grovsopor vid cykelstället.")
    expect(page.locator(".walk-progress")).to_have_text(
        f"3 av {len(CHECKLIST)} punkter kontrollerade"
    )
    # 3 reports + 4 photos + 1 OK check wait on the phone.
    wait_for_outbox(page, 8)
    reload(page)
    expect(item(page, CHECKLIST[0]).locator(".walk-status")).to_have_text("1 brist")
    assert_phone_layout(page)
    assert_accessible(page, "guard-walk-offline-done")
    page.screenshot(path=f"{SHOTS}/guard-walk-offline-done.png", full_page=True)

    go_online(context, page)
    wait_until_all_sent(page)
    with live_app.app_context():
        reports = db.session.scalars(sa.select(Report).order_by(Report.occurred_at)).all()
        assert [(r.walk_id, r.walk_item, r.shift_id) for r in reports] == [
            (walk_id, 0, None),
            (walk_id, 2, None),
            (walk_id, None, None),
        ]
        assert all(r.complete and r.night == today for r in reports)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 4
        assert [c.item for c in db.session.scalars(sa.select(WalkCheck))] == [1]
    context.close()

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="sv-SE", color_scheme="dark")  # fmt: skip
    boss = desk.new_page()
    boss.goto(live_server.url + "/login")
    boss.get_by_label("Användarnamn").fill("supervisor")
    boss.get_by_label("Lösenord").fill(TEST_PASSWORD)
    boss.get_by_role("button", name="Logga in").click()
    boss.wait_for_url("**/review/")  # logged in before the next page is asked for
    boss.goto(f"{live_server.url}/review/walks/{walk_id}")
    expect(boss.locator(".page-head .lead")).to_contain_text("3 brister")
    expect(boss.locator(".walk-finding img")).to_have_count(4)
    assert_accessible(boss, "review-walk-summary")
    boss.screenshot(path=f"{SHOTS}/review-walk-summary.png", full_page=True)
    pdf = boss.request.get(f"{live_server.url}/review/walks/{walk_id}.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    render_pdf(pdf.body(), f"{SHOTS}/walk-summary-pdf")
    desk.close()


def render_pdf(data: bytes, stem: str) -> None:
    """Every page as a PNG (pypdfium2), to look at."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) >= 2  # the summary, then the findings with their photos
        for index, pdf_page in enumerate(document):
            pdf_page.render(scale=1.5).to_pil().save(f"{stem}-{index + 1}.png")
    finally:
        document.close()
