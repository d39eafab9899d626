"""A guard assigned to one area types the code of another area's checkpoint (issue 22,
point 8): online, the server says only that the code exists, and the phone says "Koden finns –
utanför ditt område" (never "undefined"); the check-in is kept and sent, flagged for the desk."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.shifts.models import CheckIn
from tests.support.areas import OTHER_CODE, other_area_and_assignment
from tests.support.guard_browser import (
    guard_context,
    login,
    start_shift,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_another_areas_code_is_accepted_and_named_as_outside_the_area(
    live_server, live_app, browser, output_dir
):
    other_area_and_assignment(live_app)
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        page.get_by_role("link", name="Checka in").click()
        page.get_by_label("Kod").fill(OTHER_CODE)
        page.locator("#code-form").get_by_role("button", name="Checka in").click()
        expect(page.get_by_text("Koden finns – utanför ditt område")).to_be_visible()
        assert "undefined" not in page.content()
        page.screenshot(path=str(output_dir / "checkin-outside-area-390x844-dark.png"))
        wait_until_all_sent(page)
    finally:
        context.close()
    with live_app.app_context():
        (checkin,) = db.session.scalars(sa.select(CheckIn)).all()
        assert "outside_area" in checkin.flags
