"""A typed code or a QR link the server does not know (issue 10, point 7): online, "Okänd kod"
at once (the server looks it up and stores nothing) and nothing is queued; offline, it is
saved and "kontrolleras vid synk", and once sent the log shows the code and the place."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.sites.models import Checkpoint
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    check_in_with_code,
    go_offline,
    go_online,
    guard_context,
    login,
    outbox_entries,
    start_shift,
    wait_ready,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def place_of(live_app, code: str) -> str:
    with live_app.app_context():
        checkpoint = db.session.scalar(sa.select(Checkpoint).where(Checkpoint.short_code == code))
        return f"{checkpoint.label} – {checkpoint.property.name}"


def test_unknown_code_online_at_once_and_offline_code_gets_its_place_after_sync(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)

        # Online, a mistyped code: said at once, on the check-in screen; nothing is saved.
        page.get_by_role("link", name="Checka in").click()
        page.get_by_label("Kod").fill("S999")
        page.locator("#code-form").get_by_role("button", name="Checka in").click()
        expect(page.locator("#code-form").get_by_role("alert")).to_have_text(
            "Okänd kod. Kontrollera koden som står under QR-koden."
        )
        assert [e for e in outbox_entries(page) if e["kind"] == "checkin"] == []
        assert_accessible(page, "checkin-unknown-code-online-390")
        page.screenshot(path=str(output_dir / "checkin-unknown-code-online-390.png"))

        # Online, a known code: the place is named at once, in the log too.
        page.get_by_label("Kod").fill("S101")
        page.locator("#code-form").get_by_role("button", name="Checka in").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        expect(
            page.get_by_text(f"Incheckad: {place_of(live_app, 'S101').split(' – ')[0]}.")
        ).to_be_visible()

        # Offline: kept and checked at sync; after the sync the log shows code and place.
        go_offline(context, page)
        check_in_with_code(page, "S102")
        page.locator("#unsent").click()
        item = page.locator(".log-item[data-kind='checkin']").first
        expect(item).to_contain_text("S102")
        expect(item).to_contain_text("kontrolleras vid synk")
        go_online(context, page)
        wait_until_all_sent(page)
        expect(item).to_contain_text(f"S102 · {place_of(live_app, 'S102')}")
        expect(page.locator(".log-item[data-kind='checkin']").nth(1)).to_contain_text(
            f"S101 · {place_of(live_app, 'S101')}"
        )
        assert_accessible(page, "log-code-and-place-390")
        page.screenshot(path=str(output_dir / "log-code-and-place-390.png"))

        # A QR link the server does not know, online: "Okänd kod", no check-in of the token,
        # and the printed code can be typed instead (issue 20, point 4).
        page.goto(live_server.url + "/c/not-a-real-token")
        wait_ready(page)
        expect(page.locator("#qr-unknown")).to_have_text(
            "Okänd kod. Kontrollera koden som står under QR-koden."
        )
        expect(page.locator(".qr-card").get_by_role("button")).to_have_count(0)
        expect(page.locator("#code-form").get_by_role("button", name="Checka in")).to_be_visible()
    finally:
        context.close()
