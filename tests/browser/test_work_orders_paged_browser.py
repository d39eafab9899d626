"""The done work orders a page at a time in a real browser (issue 25, point 4): after weeks of
nights the done list shows the 50 newest, says which page of how many, and its pager walks
to the older ones keeping the filter; at phone size (390x844) and desk size, Swedish, dark,
without sideways scrolling and without serious axe findings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import pytest
from playwright.sync_api import expect

from patrol.db import set_clock
from patrol.nights import TIME_ZONE_NAME, ZONE
from tests.support.desk_browser import assert_accessible, log_in, set_theme, sideways_overflow
from tests.support.history import NightSize, seed_history

pytestmark = pytest.mark.browser

LAST = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("size", "name"),
    [({"width": 390, "height": 844}, "phone"), ({"width": 1366, "height": 900}, "desk")],
)
def test_done_work_orders_page_by_page(browser, live_app, live_server, output_dir, size, name):
    set_clock(
        live_app,
        datetime.combine(LAST + timedelta(days=1), clock_time(7, 30), ZONE).astimezone(UTC),
    )
    with live_app.app_context():
        seed_history(
            LAST - timedelta(days=39),
            40,
            size=NightSize(shifts=3, checkins=20, reports=15, photos=0, sos=0),
            unreviewed=(LAST,),
            open_after=LAST - timedelta(days=12),
            seed=6,
        )
    context = browser.new_context(
        viewport=size, locale="sv-SE", color_scheme="dark", timezone_id=TIME_ZONE_NAME
    )
    page = context.new_page()
    set_theme(page, live_server.url, "dark")
    log_in(page, live_server.url)
    page.goto(live_server.url + "/review/work-orders?status=done")
    expect(page.locator(".wo")).to_have_count(50)
    expect(page.get_by_text("nyaste först · sida 1 av 2")).to_be_visible()
    pager = page.get_by_role("navigation", name="Sidor")
    expect(pager.get_by_role("link", name="Nästa sida →")).to_be_visible()
    assert sideways_overflow(page) is None
    assert_accessible(page, f"work orders done, page 1, {name}")
    page.screenshot(path=str(output_dir / f"work-orders-done-page-1-{name}.png"), full_page=True)
    pager.get_by_role("link", name="Nästa sida →").click()
    expect(page).to_have_url(live_server.url + "/review/work-orders?status=done&page=2")
    expect(page.get_by_label("Status")).to_have_value("done")
    older = page.locator(".wo").count()
    assert 0 < older < 50
    expect(page.get_by_role("navigation", name="Sidor").get_by_role("link")).to_have_text(
        ["← Föregående sida"]
    )
    assert sideways_overflow(page) is None
    page.screenshot(path=str(output_dir / f"work-orders-done-page-2-{name}.png"), full_page=True)
    context.close()
