"""Web NFC on the check-in screen (issue 10, point 14).

Headless Chromium has no NFC reader, and no desktop browser has Web NFC: this test replaces
`NDEFReader` with a stand-in (an init script) that behaves like Android Chrome's for the page:
scan() resolves, and the test "touches" a tag by firing a `reading` event with an NDEF message
holding one URL record. What is tested is the page's own logic: it listens, reads the
checkpoint's /c/<token> URL from the tag, and checks in there with method "nfc"; a tag that is
not ours is said so. The real NFC hardware path is not tested here."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.shifts.models import CheckIn
from patrol.sites.models import Checkpoint
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import guard_context, login, start_shift, wait_until_all_sent
from tests.support.scanning import STAND_IN_NDEF_READER

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_nfc_tag_with_a_checkpoint_url_checks_in_with_method_nfc(
    live_server, live_app, browser, output_dir
):
    with live_app.app_context():
        checkpoint = db.session.scalar(sa.select(Checkpoint).where(Checkpoint.short_code == "S106"))
        token, checkpoint_id, label = checkpoint.token, checkpoint.id, checkpoint.label
    context = guard_context(browser)
    context.add_init_script(STAND_IN_NDEF_READER)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        page.get_by_role("link", name="Checka in").click()
        page.get_by_role("button", name="Läs NFC-tagg").click()
        expect(page.locator("#nfc-status")).to_have_text(
            "Håll telefonen mot NFC-taggen vid kontrollpunkten."
        )
        assert_accessible(page, "checkin-nfc-listening-390")
        page.screenshot(path=str(output_dir / "checkin-nfc-listening-390.png"))
        page.evaluate("() => window.__touchTag('https://example.org/something-else')")
        expect(page.locator("#nfc-status")).to_have_text(
            "Taggen hör inte till någon kontrollpunkt."
        )
        page.evaluate(f"() => window.__touchTag('{live_server.url}/c/{token}')")
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        expect(page.get_by_text(f"Incheckad: {label}.")).to_be_visible()
        wait_until_all_sent(page)
    finally:
        context.close()
    with live_app.app_context():
        [checkin] = db.session.scalars(sa.select(CheckIn)).all()
        assert checkin.checkpoint_id == checkpoint_id and checkin.method == "nfc"
