"""Discarding what the server refused (issue 10, point 5): only after a confirmation that says
what is lost, the report's photos included; the discard reaches the server as a record; the
log keeps the line, marked "kasserad". Never silent."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.reports.models import Photo, Report
from patrol.shifts.models import DiscardedRecord
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    camera_photo,
    go_offline,
    go_online,
    guard_context,
    login,
    start_shift,
    wait_for_outbox,
    wait_until_all_sent,
    write_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

REFUSED = {
    "error": "validation",
    "message": "Några fält är inte giltiga.",
    "errors": {"property_id": ["Fastigheten finns inte längre."]},
}


def test_discard_asks_lists_the_photos_and_reaches_the_server(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    # The server refuses this report (as when its property was removed during the night).
    context.route(
        "**/api/v1/reports/*",
        lambda route, request: (
            route.fulfill(status=422, content_type="application/json", body=json.dumps(REFUSED))
            if request.method == "PUT"
            else route.continue_()
        ),
    )
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        go_offline(context, page)
        write_report(
            page,
            property_name="Jespersgatan 6",
            photos=(camera_photo(41, 800, 600), camera_photo(42, 800, 600)),
        )
        go_online(context, page)
        wait_for_outbox(page, 3, min_attempts=0)
        page.locator("#unsent").click()
        item = page.locator(".log-item[data-kind='report']")
        expect(item).to_have_attribute("data-state", "needs_attention", timeout=60_000)
        expect(item).to_contain_text("Fastigheten finns inte längre.")

        # Asked first; "Avbryt" keeps everything.
        item.get_by_role("button", name="Kasta").click()
        dialog = item.get_by_role("alertdialog")
        expect(dialog).to_contain_text("tas bort från telefonen och skickas aldrig")
        expect(dialog).to_contain_text("Klotter – Jespersgatan 6")
        expect(dialog).to_contain_text("2 foton")
        assert_accessible(page, "log-discard-confirm-390")
        page.screenshot(path=str(output_dir / "log-discard-confirm-390.png"))
        dialog.get_by_role("button", name="Avbryt").click()
        wait_for_outbox(page, 3)

        item.get_by_role("button", name="Kasta").click()
        item.get_by_role("button", name="Ja, kasta").click()
        wait_until_all_sent(page)
        expect(item).to_have_attribute("data-state", "discarded")
        expect(item).to_contain_text("kasserad")
        assert_accessible(page, "log-discarded-390")
        page.screenshot(path=str(output_dir / "log-discarded-390.png"))
        with live_app.app_context():
            [discard] = db.session.scalars(sa.select(DiscardedRecord)).all()
            assert discard.kind == "report" and discard.photo_count == 2
            assert discard.last_status == 422 and "finns inte" in discard.last_message
            assert discard.label == "Klotter – Jespersgatan 6"
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    finally:
        context.close()
