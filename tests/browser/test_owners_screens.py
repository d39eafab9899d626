"""The owners' portal, the day crew's page and the morning emails in a real Chromium: Swedish,
dark theme, at desk size (1366x900) and phone size (390x844); screenshots to look at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.db import db, set_clock
from patrol.sites.models import Area, Organization
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.images import jpeg_bytes
from tests.support.owners import NIGHT, add_history, build_world

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(live_app, live_server):
    set_clock(live_app, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with live_app.app_context():
        org = db.session.scalar(sa.select(Organization).order_by(Organization.id))
        create_user("owner", TEST_PASSWORD, "owner", "Ägare A", organization_id=org.id)
    built = build_world(live_app)
    add_history(live_app, built)
    return built


def log_in(browser, server, username, viewport):
    context = browser.new_context(viewport=viewport, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{server.url}/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    return context, page, errors


def fits_the_width(page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["1366", "390"])
def test_the_owners_portal(browser, live_server, world, output_dir, viewport):
    size = viewport["width"]
    context, page, errors = log_in(browser, live_server, "owner", viewport)
    page.wait_for_url("**/owner/")
    assert page.get_by_role("heading", name="Mina fastigheter").is_visible()
    assert_accessible(page, "owner-index")
    page.screenshot(path=str(output_dir / f"owner-index-{size}.png"), full_page=True)
    assert fits_the_width(page)

    page.get_by_role("link", name=world["prop_a_name"]).first.click()
    page.get_by_role("heading", name="Öppna skador (1)").wait_for()
    assert_accessible(page, "owner-property")
    page.screenshot(path=str(output_dir / f"owner-property-{size}.png"), full_page=True)
    assert fits_the_width(page)

    page.goto(f"{live_server.url}/owner/reports/{world['a_lamp']}")
    page.get_by_text("Belysningen i entrén var trasig.").wait_for()
    image = page.locator(".photos img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert_accessible(page, "owner-report")
    page.screenshot(path=str(output_dir / f"owner-report-{size}.png"), full_page=True)

    page.goto(f"{live_server.url}/owner/months/2026-11")
    chart = page.locator(f"#prop-{world['prop_a']}").locator("xpath=..").locator("svg.chart")
    assert chart.locator("rect.bar").count() >= 8
    assert_accessible(page, "owner-month")
    page.screenshot(path=str(output_dir / f"owner-month-{size}.png"), full_page=True)
    assert fits_the_width(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_the_day_crew_on_a_phone(browser, live_server, world, output_dir, tmp_path):
    context, page, errors = log_in(browser, live_server, "crew", PHONE)
    page.wait_for_url("**/crew/")
    page.get_by_text("Byt lysrör i entrén").wait_for()
    # The report's photo shows (its thumbnail may still have been queued: the read makes it).
    image = page.locator(f"#order-{world['a_order']} img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert_accessible(page, "crew")
    page.screenshot(path=str(output_dir / "crew-390.png"), full_page=True)
    assert fits_the_width(page)
    order = page.locator(f"#order-{world['a_order']}")
    order.get_by_label("Vad som gjordes").fill("Lysröret bytt")
    photo = tmp_path / "lampa.jpg"
    photo.write_bytes(jpeg_bytes(color=(220, 220, 60)))
    order.get_by_label("Foto av åtgärden (frivilligt)").set_input_files(str(photo))
    order.get_by_role("button", name="Markera som klar").click()
    page.get_by_text("Arbetsordern är klar.").wait_for()
    assert page.locator(f"#order-{world['a_order']}").count() == 0
    page.screenshot(path=str(output_dir / "crew-done-390.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_the_emails_html_part_in_chromium(browser, live_app, world, output_dir):
    from patrol.owners import morning

    with live_app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.username == "owner"))
        news = morning.owner_night(owner.organization_id, NIGHT)
        owner_html = morning.owner_email(owner, news, "deadline")["html"]
        area = db.session.scalar(sa.select(Area))
        crew_html = morning.day_crew_email(
            area, morning.open_orders_in(area.id), NIGHT.replace(day=24)
        )["html"]
    for name, html in (("owner-news", owner_html), ("day-crew", crew_html)):
        for viewport in (PHONE, {"width": 800, "height": 900}):
            context = browser.new_context(viewport=viewport, locale="sv-SE")
            page = context.new_page()
            page.set_content(html)
            assert page.locator("h1").is_visible()
            assert fits_the_width(page)
            page.screenshot(
                path=str(output_dir / f"mail-{name}-{viewport['width']}.png"), full_page=True
            )
            context.close()
