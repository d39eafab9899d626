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

    key = page.get_by_role("link", name="Bekräfta med din nyckel")
    assert key.get_attribute("href") == "/login/code"
    page.get_by_label("Kod").fill("111111")
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("alert")).to_have_text("Fel kod. Försök igen.")
    page.get_by_label("Kod").fill(code_at(NOW))
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
    me = page.evaluate("() => fetch('/api/v1/me').then(r => r.json())")
    assert me["user"]["username"] == "supervisor"
    context.close()


# --- passkeys, with the DevTools protocol's virtual authenticator --------------------------------

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}

# The second step with a chosen credential, as a browser holding it would send it: the
# server's options (its challenge), the authenticator's signature, the answer's status.
SIGN_IN_WITH = """async (credentialId) => {
  const csrf = document.querySelector("input[name=csrf_token]").value;
  const post = (url, body) => fetch(url, {method: "POST", body: JSON.stringify(body || {}),
    headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}});
  const options = await (await post("/login/passkey/options")).json();
  options.allowCredentials = [{type: "public-key", id: credentialId}];
  const credential = await navigator.credentials.get(
    {publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)});
  const answer = await post("/login/passkey", {credential: credential.toJSON()});
  return {status: answer.status, body: await answer.json()};
}"""

# A credential for this site made by an authenticator the server never saw register.
STRANGERS_KEY = """async () => {
  const credential = await navigator.credentials.create({publicKey: {
    rp: {id: "localhost", name: "Nattpatrull"},
    user: {id: new Uint8Array([9, 9, 9]), name: "stranger", displayName: "Stranger"},
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    pubKeyCredParams: [{type: "public-key", alg: -7}]}});
  return credential.toJSON().id;
}"""


def password_step(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()


def credential_ids(app, username: str) -> list[str]:
    import sqlalchemy as sa
    from webauthn.helpers import bytes_to_base64url

    from patrol.auth.models import Passkey, User
    from patrol.db import db

    with app.app_context():
        return [
            bytes_to_base64url(raw)
            for raw in db.session.scalars(
                sa.select(Passkey.credential_id)
                .join(User, User.id == Passkey.user_id)
                .where(User.username == username)
                .order_by(Passkey.id)
            )
        ]


def test_passkeys_register_sign_in_and_refuse_what_is_not_the_users(
    browser, live_app, live_server, output_dir
):
    give_factor(live_app, "supervisor")  # an app too, so a removed key leaves a factor
    set_clock(live_app, NOW)
    # WebAuthn needs a host name: Chromium refuses it on 127.0.0.1.
    base = live_server.url.replace("127.0.0.1", "localhost")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, color_scheme="dark", locale="sv-SE"
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})

    # Register: signed in with the app's code, the supervisor adds a named key.
    password_step(page, base, "supervisor")
    page.wait_for_url("**/login/code")
    expect(page.get_by_role("button", name="Bekräfta med din nyckel")).to_have_count(0)
    page.get_by_label("Kod").fill(code_at(NOW))
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/review/**")
    page.goto(base + "/account/security")
    page.get_by_label("Nyckelns namn").fill("Min telefon")
    page.get_by_role("button", name="Lägg till en nyckel").click()
    expect(page.locator("#passkeys")).to_contain_text("Min telefon")
    check_both_themes(page, base, "passkeys", output_dir)
    supervisors_key = credential_ids(live_app, "supervisor")
    assert len(supervisors_key) == 1

    # Sign in: the password, then "Bekräfta med din nyckel".
    context.clear_cookies()
    password_step(page, base, "supervisor")
    page.wait_for_url("**/login/code")
    check_both_themes(page, base, "second-step-passkey", output_dir)
    assert page.evaluate("() => fetch('/api/v1/me').then(r => r.json())")["user"] is None
    page.get_by_role("button", name="Bekräfta med din nyckel").click()
    page.wait_for_url("**/review/**")

    # A passkey alone, where the browser offers one: no username, no password.
    context.clear_cookies()
    page.goto(base + "/login?next=/account/security")
    page.get_by_role("button", name="Använd en nyckel i stället").click()
    page.wait_for_url("**/account/security")
    expect(page.locator("#passkeys")).to_contain_text("Min telefon")

    # Another user's key, in the same authenticator, does not sign the supervisor in.
    context.clear_cookies()
    password_step(page, base, "admin")  # no factor yet (the test app's switch)
    page.wait_for_url("**/review/**")
    page.goto(base + "/account/security")
    page.get_by_label("Nyckelns namn").fill("Admins nyckel")
    page.get_by_role("button", name="Lägg till en nyckel").click()
    expect(page.locator("#passkeys")).to_contain_text("Admins nyckel")
    admins_key = credential_ids(live_app, "admin")
    context.clear_cookies()
    password_step(page, base, "supervisor")
    page.wait_for_url("**/login/code")
    answer = page.evaluate(SIGN_IN_WITH, admins_key[0])
    assert answer["status"] == 401, answer
    assert answer["body"]["message"] == "Den här nyckeln hör inte till ditt konto."
    assert page.evaluate("() => fetch('/api/v1/me').then(r => r.json())")["user"] is None

    # A removed key is refused, although the authenticator still holds it.
    page.reload()
    page.get_by_role("button", name="Bekräfta med din nyckel").click()
    page.wait_for_url("**/review/**")
    page.goto(base + "/account/security")
    page.get_by_role("button", name="Ta bort Min telefon").click()
    expect(page.get_by_role("status")).to_have_text("Nyckeln är borttagen.")
    assert credential_ids(live_app, "supervisor") == []
    context.clear_cookies()
    password_step(page, base, "supervisor")
    page.wait_for_url("**/login/code")
    answer = page.evaluate(SIGN_IN_WITH, supervisors_key[0])
    assert answer["status"] == 401, answer

    # An authenticator that never registered is refused.
    cdp.send("WebAuthn.removeVirtualAuthenticator", authenticator)
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    strangers_key = page.evaluate(STRANGERS_KEY)
    answer = page.evaluate(SIGN_IN_WITH, strangers_key)
    assert answer["status"] == 401, answer
    assert page.evaluate("() => fetch('/api/v1/me').then(r => r.json())")["user"] is None
    context.close()
