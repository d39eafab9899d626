"""Feedback the guard sees (issue 10, points 9-11): the offline note follows the network both
ways without a reload, the unsent counter counts what the guard recorded ("3 osända (4
foton)") and the log marks acute reports, and an empty login form answers in Swedish."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    add_photo,
    camera_photo,
    fill_report,
    go_offline,
    go_online,
    guard_context,
    login,
    open_report,
    start_shift,
    wait_ready,
    wait_until_all_sent,
    write_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_offline_note_follows_the_network_both_ways(live_server, browser, output_dir):
    context = guard_context(browser)
    page = context.new_page()
    note = page.get_by_text("Du är offline")
    try:
        login(page, live_server.url)
        start_shift(page)
        expect(page.locator("#net-state")).to_have_text("Online")
        expect(note).to_be_hidden()
        go_offline(context, page)
        expect(page.locator("#net-state")).to_have_text("Offline")
        expect(note).to_be_visible()
        assert_accessible(page, "feedback-offline-390")
        page.screenshot(path=str(output_dir / "feedback-offline-390.png"))
        go_online(context, page)
        expect(page.locator("#net-state")).to_have_text("Online")
        expect(note).to_be_hidden()  # no "Du är offline" next to "Online"
    finally:
        context.close()


def test_unsent_counter_counts_records_with_their_photos_and_log_marks_acute(
    live_server, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)  # the shift's start is on the server
        go_offline(context, page)
        write_report(page, property_name="Jespersgatan 6", photos=(camera_photo(21, 800, 600),))
        write_report(
            page,
            property_name="Jespersgatan 6",
            category="Brand eller rök",
            level="Akut allvarlig händelse",
            photos=(camera_photo(22, 800, 600), camera_photo(23, 800, 600)),
        )
        write_report(
            page,
            property_name="Jespersgatan 6",
            category="Trasig belysning",
            photos=(camera_photo(24, 800, 600),),
        )
        expect(page.locator("#unsent")).to_have_text("3 osända (4 foton)")
        expect(page.locator("#home-unsent")).to_have_text(
            "3 registreringar (4 foton) väntar på att skickas."
        )
        assert_accessible(page, "feedback-unsent-records-390")
        page.screenshot(path=str(output_dir / "feedback-unsent-records-390.png"))
        page.locator("#unsent").click()
        acute = page.locator(".log-item.acute")
        expect(acute).to_have_count(1)
        expect(acute).to_contain_text("AKUT")
        expect(acute).to_contain_text("Brand eller rök")
        assert_accessible(page, "feedback-log-acute-390")
        page.screenshot(path=str(output_dir / "feedback-log-acute-390.png"))
    finally:
        context.close()


def test_empty_login_form_answers_in_swedish(live_server, browser, output_dir):
    context = guard_context(browser)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        wait_ready(page)
        page.get_by_role("button", name="Logga in").click()
        alert = page.get_by_role("alert")
        expect(alert).to_have_text("Skriv ditt användarnamn. Skriv ditt lösenord.")
        expect(page.get_by_label("Användarnamn")).to_be_focused()
        page.get_by_label("Användarnamn").fill("guard")
        page.get_by_role("button", name="Logga in").click()
        expect(alert).to_have_text("Skriv ditt lösenord.")
        assert_accessible(page, "feedback-login-empty-390")
        page.screenshot(path=str(output_dir / "feedback-login-empty-390.png"))
    finally:
        context.close()


def test_messages_appear_where_the_guard_is_looking(live_server, browser, output_dir):
    """Issue 10, point 8: a photo that cannot be read and a 7th photo are answered next to the
    photo button; the description counts down near its limit; after "Spara" the confirmation
    is at the top of the screen the app returns to."""
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        open_report(page)
        fill_report(page, property_name="Jespersgatan 6", description="x" * 3600)
        expect(page.locator("#description-counter")).to_have_text("400 tecken kvar av 4000.")
        page.locator("#report-photo-input").set_input_files(
            {"name": "trasig.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"}
        )
        problem = page.locator("#photo-problem")
        expect(problem).to_have_text(
            "Fotot trasig.jpg kunde inte läsas. Ta ett nytt eller välj ett annat."
        )
        for seed in range(6):
            add_photo(page, camera_photo(30 + seed, 400, 300))
        expect(problem).to_be_hidden()
        page.locator(".add-photo").click()
        expect(problem).to_have_text("Högst 6 foton per rapport.")
        assert (
            abs(problem.bounding_box()["y"] - page.locator(".add-photo").bounding_box()["y"]) < 120
        )
        assert_accessible(page, "feedback-photo-limit-390")
        page.screenshot(path=str(output_dir / "feedback-photo-limit-390.png"))
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
        saved = page.get_by_text("Rapporten är sparad.")
        expect(saved).to_be_in_viewport()
        assert page.evaluate("() => window.scrollY") == 0
        assert_accessible(page, "feedback-saved-on-top-390")
        page.screenshot(path=str(output_dir / "feedback-saved-on-top-390.png"))
    finally:
        context.close()
