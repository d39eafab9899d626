"""The change log in a real browser at phone size (390x844, Swedish, dark), with JavaScript
off: an admin's changes (an owner, a checklist) appear with their values, the filter form
narrows the list by what and date, a date it cannot read is a message on the page, and the
export link carries the same filters (issue 21, point 7)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from patrol.nights import TIME_ZONE_NAME
from tests.support.app import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_the_change_log_filters_without_javascript(browser, live_server, output_dir):
    base = live_server.url
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="sv-SE",
        color_scheme="dark",
        timezone_id=TIME_ZONE_NAME,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    page.goto(base + "/admin/organizations/new")
    page.get_by_label("Namn").fill("Trianon")
    page.get_by_role("button", name="Spara").click()
    page.goto(base + "/admin/checklists")
    new_checklist = page.locator('form[action="/admin/checklists"]')
    new_checklist.locator("#name").fill("Kvällsvandring")
    new_checklist.locator("#items").fill("Belysning\nBuskage")
    new_checklist.get_by_role("button", name="Spara").click()

    page.goto(base + "/admin/audit")
    rows = page.locator(".audit-table tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Vad").select_option(label="checklista")
    page.get_by_role("button", name="Filtrera").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Skapad · checklista")
    expect(rows.first).to_contain_text("items: Belysning, Buskage")
    assert "entity=checklist" in page.url
    expect(page.get_by_role("link", name="Exportera CSV")).to_have_attribute(
        "href", "/admin/audit.csv?entity=checklist"
    )
    # (axe runs in the page, so it checks this page in test_admin_setup's screenshots, with
    # JavaScript on.)
    page.screenshot(path=str(output_dir / "admin-audit-filtered-phone.png"), full_page=True)

    answer = page.goto(base + "/admin/audit?from=2026-02-30")
    assert answer.status == 400
    expect(page.get_by_text("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-10-25.")).to_be_visible()
    page.screenshot(path=str(output_dir / "admin-audit-bad-date-phone.png"), full_page=True)
    context.close()
