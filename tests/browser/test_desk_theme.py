"""The desk follows the system's light or dark setting (prefers-color-scheme) until the user
picks a theme in Meny, which then holds whatever the system says; the guard app stays dark in
a light system (issue 21, point 8). Chromium's `color_scheme` is the system's setting."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.desk_browser import assert_accessible, log_in
from tests.support.guard_browser import guard_context, login

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LIGHT_BG = "rgb(245, 246, 248)"  # --bg of the light theme
DARK_BG = "rgb(11, 15, 20)"  # --bg of the dark theme


def background(page) -> str:
    return page.evaluate("() => getComputedStyle(document.body).backgroundColor")


def test_the_desk_follows_the_system_until_a_theme_is_picked(browser, live_server, output_dir):
    context = browser.new_context(viewport=PHONE, color_scheme="light", locale="sv-SE")
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + "/review/")
    expect(page.locator("html")).to_have_attribute("data-theme", "auto")
    assert background(page) == LIGHT_BG
    page.locator(".desk-more summary").click()
    # Meny offers the other theme: dark, in a light system.
    expect(page.get_by_role("button", name="Mörkt tema")).to_be_visible()
    expect(page.get_by_role("button", name="Ljust tema")).to_be_hidden()
    assert_accessible(page, "desk-light-system-390x844")
    page.screenshot(path=str(output_dir / "desk-light-system-390x844.png"))

    # The pick holds against the system's setting, on every page.
    page.get_by_role("button", name="Mörkt tema").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background(page) == DARK_BG
    page.goto(live_server.url + "/admin/")
    assert background(page) == DARK_BG
    page.locator(".desk-more summary").click()
    expect(page.get_by_role("button", name="Ljust tema")).to_be_visible()
    expect(page.get_by_role("button", name="Mörkt tema")).to_be_hidden()
    context.close()

    # A dark system and no pick: dark.
    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(live_server.url + "/review/")
    assert background(page) == DARK_BG
    page.locator(".desk-more summary").click()
    expect(page.get_by_role("button", name="Ljust tema")).to_be_visible()
    expect(page.get_by_role("button", name="Mörkt tema")).to_be_hidden()
    context.close()


def test_the_guard_app_stays_dark_in_a_light_system(browser, live_server):
    context = guard_context(browser, color_scheme="light")
    page = context.new_page()
    login(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert background(page) == DARK_BG
    context.close()
