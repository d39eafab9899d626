"""The server-rendered login page in a real Chromium at phone size: Swedish, dark, usable."""

from __future__ import annotations

import pytest

from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible

pytestmark = pytest.mark.browser


def test_login_page_on_a_phone(browser, live_server, output_dir):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", locale="sv-SE"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/login")
    assert page.locator("html").get_attribute("lang") == "sv"
    username = page.get_by_label("Användarnamn")
    password = page.get_by_label("Lösenord")
    button = page.get_by_role("button", name="Logga in")
    for control in (username, password, button):
        box = control.bounding_box()
        assert box["height"] >= 48, box
    assert_accessible(page, "login")
    page.screenshot(path=str(output_dir / "login-sv-dark-390.png"), full_page=True)

    username.fill("supervisor")
    password.fill("fel-losenord")
    button.click()
    assert page.get_by_role("alert").inner_text() == "Fel användarnamn eller lösenord."
    assert_accessible(page, "login-error")
    page.screenshot(path=str(output_dir / "login-error-sv-dark-390.png"), full_page=True)

    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/review/**")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_login_page_switches_to_english(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_role("link", name="English").click()
    page.get_by_label("Username").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    # The choice is remembered.
    page.goto(f"{live_server.url}/login")
    assert page.get_by_role("button", name="Log in").is_visible()
    context.close()
