"""The second step of signing in, in a real Chromium at 390 px (issue 27): the desk's set-up,
recovery codes and code screens (Swedish, both themes, axe), and the phone's login screen
asking "Ange koden från din app"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from patrol.db import set_clock
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible, set_theme, sideways_overflow
from tests.support.guard_browser import guard_context, wait_ready
from tests.support.twofactor import NOW, code_at, give_factor

pytestmark = pytest.mark.browser


def check_both_themes(page, base_url: str, name: str, output_dir) -> None:
    """axe finds nothing serious in the light and the dark theme, and nothing overflows at
    390 px; the dark one is kept as a screenshot."""
    for theme in ("light", "dark"):
        set_theme(page, base_url, theme)
        page.reload()
        assert sideways_overflow(page) is None, name
        assert_accessible(page, f"{name}-{theme}")
    page.screenshot(path=str(output_dir / f"{name}-sv-dark-390.png"), full_page=True)


def test_an_admin_sets_up_the_app_then_signs_in_with_a_code(
    browser, live_app, live_server, output_dir
):
    live_app.config["TESTS_SKIP_SECOND_FACTOR_SETUP"] = False  # admins must have a factor
    set_clock(live_app, NOW)
    base = live_server.url
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", locale="sv-SE"
    )
    page = context.new_page()
    page.goto(base + "/login")
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/login/setup")
    expect(page.get_by_role("heading", name="Ställ in inloggning i två steg")).to_be_visible()
    expect(page.get_by_role("img", name="QR-kod för autentiseringsappen")).to_be_visible()
    check_both_themes(page, base, "second-step-setup", output_dir)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")

    page.get_by_label("Ange koden från din app").fill(code_at(NOW, secret))
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.get_by_role("heading", name="Dina reservkoder")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page, "recovery-codes-dark")
    page.screenshot(path=str(output_dir / "recovery-codes-sv-dark-390.png"), full_page=True)
    page.get_by_role("link", name="Jag har sparat dem, fortsätt").click()
    page.wait_for_url("**/review/**")
    context.clear_cookies()

    page.goto(base + "/login")
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/login/code")
    expect(page.get_by_role("heading", name="Ange koden från din app")).to_be_visible()
    check_both_themes(page, base, "second-step-code", output_dir)
    page.get_by_label("Kod").fill("000000")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("alert")).to_have_text("Fel kod. Försök igen.")
    assert_accessible(page, "second-step-code-error")
    page.get_by_label("Kod").fill(codes[0])  # a recovery code in the same field
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/review/**")
    context.close()


def test_the_phones_login_asks_for_the_code(browser, live_app, live_server, output_dir):
    give_factor(live_app, "supervisor")
    set_clock(live_app, NOW)
    context = guard_context(browser)
    page = context.new_page()
    page.goto(live_server.url + "/")
    wait_ready(page)
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Ange koden från din app")).to_be_visible()
    assert page.evaluate("() => fetch('/api/v1/me').then(r => r.json())")["user"] is None
    assert_accessible(page, "phone-second-step")
    page.screenshot(path=str(output_dir / "phone-second-step-sv-dark-390.png"), full_page=True)

    page.get_by_label("Kod").fill("111111")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("alert")).to_have_text("Fel kod. Försök igen.")
    page.get_by_label("Kod").fill(code_at(NOW))
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
    me = page.evaluate("() => fetch('/api/v1/me').then(r => r.json())")
    assert me["user"]["username"] == "supervisor"
    context.close()
