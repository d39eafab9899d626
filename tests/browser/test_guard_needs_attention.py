""" "Behöver åtgärd" is its own state (issue 20, point 3). A record the server refused (422) is
never counted as waiting: the top bar says "1 behöver åtgärd", not "1 osänd"; the home card
says what to do and opens the log's line, where "Försök igen" and "Kasta" work; "Skicka nu"
says when only such records are left; the logout question names both counts."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.shifts.models import CheckIn, DiscardedRecord
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    check_in_with_code,
    go_offline,
    go_online,
    guard_context,
    home,
    login,
    outbox_entries,
    start_shift,
    wait_for_outbox,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

REFUSED = {
    "error": "validation",
    "message": "Några fält är inte giltiga.",
    "errors": {"checkpoint_code": ["Kontrollpunkten är inte aktiv längre."]},
}


def test_a_refused_record_needs_attention_apart_and_the_card_opens_it(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    # The server refuses check-ins with these codes (as when a checkpoint was removed).
    refused_codes = {"S101"}

    def answer(route, request):
        body = request.post_data_json if request.method == "PUT" else None
        if body and body.get("checkpoint_code") in refused_codes:
            route.fulfill(status=422, content_type="application/json", body=json.dumps(REFUSED))
        else:
            route.continue_()

    context.route("**/api/v1/checkins/*", answer)
    counter = page.locator("#unsent")
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)

        check_in_with_code(page, "S101")
        wait_for_outbox(page, 1, "needs_attention")
        # Its own state: never "osänd" or "väntar".
        expect(counter).to_have_text("1 behöver åtgärd")
        expect(counter).to_have_attribute("data-attention", "1")
        expect(counter).to_have_attribute("data-records", "0")
        expect(page.locator("#home-unsent")).to_have_text("Inget väntar på att skickas.")
        card = page.locator("#home-attention")
        expect(card).to_contain_text("1 registrering behöver åtgärd")
        expect(card).to_contain_text("Försök igen eller Kasta")
        expect(page.locator(".outbox-card")).not_to_contain_text("registrering väntar")

        # "Skicka nu" cannot send it, and says so.
        page.get_by_role("button", name="Skicka nu").click()
        expect(page.locator("#notice")).to_have_text(
            "Inget väntar på att skickas. Det som är kvar behöver åtgärd: "
            "öppna det och välj Försök igen eller Kasta."
        )
        wait_for_outbox(page, 1, "needs_attention")

        # Offline, one more record: the two states side by side.
        go_offline(context, page)
        check_in_with_code(page, "S102")
        expect(counter).to_have_text("1 osänd · 1 behöver åtgärd")
        expect(page.locator("#home-unsent")).to_have_text("1 registrering väntar på att skickas.")
        assert_accessible(page, "home-needs-attention-offline-390")
        page.screenshot(
            path=str(output_dir / "home-needs-attention-offline-390.png"), full_page=True
        )

        # In English too.
        page.get_by_role("button", name="English").click()
        expect(counter).to_have_text("1 unsent · 1 needs attention")
        expect(card).to_contain_text("1 record needs attention")
        page.get_by_role("button", name="Svenska").click()
        expect(counter).to_have_text("1 osänd · 1 behöver åtgärd")

        # The logout question names both.
        page.get_by_role("button", name="Logga ut").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog.locator("#logout-unsent")).to_contain_text(
            "1 registrering är inte skickad än"
        )
        expect(dialog.locator("#logout-attention")).to_contain_text("1 registrering behöver åtgärd")
        dialog.get_by_role("button", name="Avbryt").click()

        go_online(context, page)
        wait_for_outbox(page, 1, "needs_attention")
        expect(counter).to_have_text("1 behöver åtgärd")

        # The card opens the log's line, with "Försök igen" at hand.
        page.get_by_role("link", name="Öppna det som behöver åtgärd").click()
        opened = page.locator(".log-item.opened")
        expect(opened).to_have_attribute("data-state", "needs_attention")
        expect(opened).to_contain_text("Kontrollpunkten är inte aktiv längre.")
        expect(opened.get_by_role("button", name="Försök igen")).to_be_focused()
        assert_accessible(page, "log-opened-needs-attention-390")
        page.screenshot(path=str(output_dir / "log-opened-needs-attention-390.png"))

        # The server takes it now: "Försök igen" from there sends it.
        refused_codes.clear()
        opened.get_by_role("button", name="Försök igen").click()
        wait_until_all_sent(page)
        expect(counter).to_have_text("Allt skickat")

        # Another refused one, thrown away from the card's line with "Kasta".
        refused_codes.add("S103")
        home(page)
        check_in_with_code(page, "S103")
        wait_for_outbox(page, 1, "needs_attention")
        expect(counter).to_have_text("1 behöver åtgärd")
        page.get_by_role("link", name="Öppna det som behöver åtgärd").click()
        opened = page.locator(".log-item.opened")
        opened.get_by_role("button", name="Kasta").click()
        opened.get_by_role("button", name="Ja, kasta").click()
        wait_until_all_sent(page)
        expect(page.locator(".log-item[data-state='discarded']")).to_have_count(1)
        assert [e for e in outbox_entries(page)] == []
    finally:
        context.close()
    with live_app.app_context():
        codes = {c.checkpoint.short_code for c in db.session.scalars(sa.select(CheckIn))}
        assert codes == {"S101", "S102"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DiscardedRecord)) == 1
