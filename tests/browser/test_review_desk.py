"""The supervisor's desk pages on a phone and at a desk (issue 11): every review and alert
page fits 390 px without sideways scrolling (points 1 and 8), axe finds no serious or
critical violation in either theme (point 2), photos open in a viewer on the page (point 5),
dates are typed as ÅÅÅÅ-MM-DD in an American browser too (point 9). Screenshots of the main
pages at 1366x900 and 390x844 in both themes go to /work/shots/review/ (or test-output/)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.desk_browser import (
    log_in,
    seed_desk_night,
    serious_axe_violations,
    set_theme,
    sideways_overflow,
)
from tests.support.review import NIGHT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
TIMEOUT = 30_000


@pytest.fixture
def night(live_app):
    return seed_desk_night(live_app)


@pytest.fixture
def shots(output_dir) -> Path:
    directory = Path(os.environ.get("REVIEW_SHOTS", output_dir / "review-desk"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def desk_pages(night: dict) -> dict[str, str]:
    places = night["places"]
    return {
        "natten": "/review/",
        "night": f"/review/nights/{NIGHT}",
        "shift": f"/review/shifts/{night['shift']}",
        "reports": "/review/reports",
        "reports-filtered": f"/review/reports?from={NIGHT}&to={NIGHT}&level=acute",
        "report": f"/review/reports/{night['lighting']}",
        "acute-report": f"/review/reports/{night['acute']}",
        "work-orders": "/review/work-orders?status=all",
        "work-orders-print": "/review/work-orders/print",
        "property": f"/review/properties/{places['p1']}",
        "alerts": "/push/alerts",
        "sos": "/push/sos",
    }


SHOWN = ("natten", "shift", "reports", "report", "work-orders", "alerts")


def test_every_desk_page_fits_a_phone_and_passes_axe_in_both_themes(
    browser, live_server, night, shots
):
    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    log_in(page, live_server.url)
    problems = {}
    for theme in ("dark", "light"):
        set_theme(page, live_server.url, theme)
        for name, path in desk_pages(night).items():
            for viewport in (PHONE, DESK):
                page.set_viewport_size(viewport)
                response = page.goto(live_server.url + path)
                assert response.status == 200, (path, response.status)
                expect(page.locator("html")).to_have_attribute("data-theme", theme)
                size = f"{viewport['width']}x{viewport['height']}"
                if viewport is PHONE:
                    overflow = sideways_overflow(page)
                    if overflow:
                        problems[f"{name} {theme} {size} overflow"] = overflow
                violations = serious_axe_violations(page)
                if violations:
                    problems[f"{name} {theme} {size} axe"] = violations
                if name in SHOWN:
                    page.screenshot(path=str(shots / f"{name}-{theme}-{size}.png"), full_page=True)
    context.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


def test_phone_menu_is_compact_and_filters_fold_behind_one_button(
    browser, live_server, night, shots
):
    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + "/review/reports")
    header = page.locator("header.desk-bar").bounding_box()
    assert header["height"] <= 110, header  # two short lines, not a quarter of the screen
    main_menu = page.get_by_role("navigation", name="Huvudmeny")
    for name in ("Natten", "Rapporter", "Arbetsordrar", "Larm"):
        link = main_menu.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)  # none cut off
    # The other pages, language, theme and log-out wait behind "Meny": none is off the edge.
    more_pages = ("Just nu", "Ärenden", "Trygghetsvandringar", "Administration")
    for name in more_pages:
        # In the main menu (on a desk), hidden on a phone.
        hidden = main_menu.get_by_role("link", name=name, exact=True, include_hidden=True)
        expect(hidden).to_have_count(1)
        expect(hidden).to_be_hidden()
    expect(page.get_by_role("button", name="Logga ut")).to_be_hidden()
    page.locator(".desk-more summary").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    expect(page.get_by_role("button", name="Ljust tema")).to_be_visible()
    for name in more_pages:
        more = page.get_by_role("navigation", name="Fler sidor")
        link = more.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    page.screenshot(path=str(shots / "menu-open-dark-390x844.png"))
    page.locator(".desk-more summary").click()
    # English words are longer: the four main links still fit.
    page.goto(live_server.url + "/review/reports?lang=en")
    for name in ("The night", "Reports", "Work orders", "Alerts"):
        link = page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name)
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
    page.goto(live_server.url + "/review/reports?lang=sv")
    # The filters are folded: the first result is on the first screen.
    expect(page.get_by_label("Fastighet")).to_be_hidden()
    first = page.locator(".report-table tbody tr").first
    assert first.bounding_box()["y"] < 844
    # Rows wrap: property, guard and status of a row are all on screen, none cut off.
    for cell in first.locator("td").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell.inner_text(), box)
    expect(first).to_contain_text("Väktare Demo")
    page.locator("details.filter-fold > summary").click()
    expect(page.get_by_label("Fastighet")).to_be_visible()
    context.close()


def test_empty_shifts_are_folded_on_natten(browser, live_server, night):
    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/review/nights/{NIGHT}")
    expect(page.locator(".shift-card")).to_have_count(1)
    fold = page.locator("details.empty-shifts")
    expect(fold.locator("summary")).to_have_text("1 tomma pass")
    expect(fold.get_by_role("link")).to_be_hidden()
    fold.locator("summary").click()
    expect(fold.get_by_role("link", name="Arbetsledare Demo")).to_be_visible()
    context.close()


def test_photo_viewer_on_the_same_page(browser, live_server, night, shots):
    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    log_in(page, live_server.url)
    full_requests = []
    page.on(
        "request",
        lambda r: (
            full_requests.append(r.url)
            if "/photos/" in r.url and "size=thumb" not in r.url
            else None
        ),
    )
    page.goto(live_server.url + f"/review/reports/{night['lighting']}")
    links = page.locator("a.photo-link")
    expect(links).to_have_count(2)
    page.wait_for_load_state("networkidle")
    assert full_requests == []  # only thumbnails until a photo is opened

    viewer = page.get_by_role("dialog")
    links.first.click()
    expect(viewer).to_be_visible()
    expect(viewer).to_have_accessible_name("Foto 1 av 2")
    assert page.url.endswith(f"/review/reports/{night['lighting']}")  # same page
    image = viewer.locator("img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert len(full_requests) == 1
    page.screenshot(path=str(shots / "photo-viewer-dark-390x844.png"))
    expect(viewer.get_by_role("button", name="Stäng")).to_be_focused()
    viewer.get_by_role("button", name="Nästa foto").click()
    expect(viewer).to_have_accessible_name("Foto 2 av 2")
    page.keyboard.press("ArrowRight")  # wraps round to the first
    expect(viewer).to_have_accessible_name("Foto 1 av 2")
    page.keyboard.press("ArrowLeft")
    expect(viewer).to_have_accessible_name("Foto 2 av 2")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(links.first).to_be_focused()  # focus goes back to where it was
    # A tap on the photo closes too.
    links.nth(1).click()
    expect(viewer).to_be_visible()
    image.click()
    expect(viewer).to_be_hidden()
    context.close()


def test_dates_are_yyyy_mm_dd_in_an_american_browser(browser, live_server, night):
    context = browser.new_context(
        viewport=DESK, color_scheme="dark", locale="en-US", timezone_id="America/New_York"
    )
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + f"/review/nights/{NIGHT}")
    field = page.get_by_label("Natt", exact=True)
    expect(field).to_have_value("2026-11-23")  # shown as ÅÅÅÅ-MM-DD, not 11/23/2026
    assert field.get_attribute("type") == "text"
    field.fill("11/22/2026")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("alert")).to_have_text("Ange datumet som ÅÅÅÅ-MM-DD.")
    assert page.url.endswith(f"/review/nights/{NIGHT}")  # nothing was sent
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("2026-11-22")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_url("**/review/nights/2026-11-22")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026-11-22")

    page.goto(live_server.url + "/review/reports")
    page.locator("details.filter-fold > summary").click()
    page.get_by_label("Nätter från").fill("23.11.2026")
    page.get_by_role("button", name="Filtrera").click()
    expect(page.get_by_role("alert").first).to_have_text("Ange datumet som ÅÅÅÅ-MM-DD.")
    page.get_by_label("Nätter från").fill("2026-11-23")
    page.get_by_label("till").fill("2026-11-23")
    page.get_by_role("button", name="Filtrera").click()
    page.wait_for_url("**/review/reports?from=2026-11-23&to=2026-11-23*")
    expect(page.locator(".report-table tbody tr")).to_have_count(2)
    # Without JavaScript's help the server says the same (a typed URL, say).
    page.goto(live_server.url + "/review/reports?from=11/23/2026")
    expect(page.locator("#from-error")).to_have_text("Ange datumet som ÅÅÅÅ-MM-DD.")
    context.close()


def test_work_orders_print_one_page_per_property_with_the_address_on_top(
    browser, live_server, live_app, night, shots
):
    from tests.support.pdf import page_texts, render_pages
    from tests.support.review import login_page_client

    boss = login_page_client(live_app, "supervisor")
    response = boss.post(
        f"/review/reports/{night['acute']}/work-order",
        data={
            "csrf_token": boss.csrf,
            "what": "Laga källardörren",
            "place": "",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    context = browser.new_context(viewport=DESK, color_scheme="dark", locale="sv-SE")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + "/review/work-orders")
    page.get_by_role("link", name="Skriv ut per fastighet").click()
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()  # review/desk.js ran
    pdf = page.pdf(format="A4", print_background=False)
    render_pages(pdf, shots / "print", "work-orders")
    texts = page_texts(pdf)
    assert len(texts) == 2, texts  # two properties, one page each
    addresses = {
        "Jespersgatan 6, 214 36 Malmö": "Laga källardörren",
        "Rasmusgatan 5, 214 36 Malmö": "Byt lysrör i trapphuset",
    }
    for text in texts:
        first_line = text.strip().splitlines()[0]
        assert first_line in addresses, text[:200]
        assert addresses.pop(first_line) in text
        assert "Skriv ut per fastighet" not in text and "Huvudmeny" not in text
    # Filtered to one property: one page.
    page.goto(live_server.url + f"/review/work-orders/print?property={night['places']['p2']}")
    assert len(page_texts(page.pdf(format="A4"))) == 1
    context.close()
