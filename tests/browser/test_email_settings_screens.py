"""The email settings as users see them at 390x844 (issue 21, point 4): the admin's user page
names each email with what it sends, and the owner ticks "Akuta händelser när de godkänts" on
its own settings page. Both fit the phone's width and pass axe; screenshots to look at."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.auth.actions import create_user
from patrol.auth.models import User
from patrol.db import db
from patrol.sites.models import Organization
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible, log_in, sideways_overflow

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_the_email_settings_on_a_phone(browser, live_server, live_app, output_dir):
    with live_app.app_context():
        org = db.session.scalar(sa.select(Organization).order_by(Organization.id))
        owner_id = create_user(
            "owner",
            TEST_PASSWORD,
            "owner",
            "Ägare A",
            organization_id=org.id,
            email="agare@example.se",
            email_prefs=["morning_report"],
        ).id
    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    log_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/users/{owner_id}")
    emails = page.get_by_role("group", name="E-post som användaren vill ha")
    expect(emails.get_by_label("Akuta händelser när de godkänts")).to_be_visible()
    expect(emails).to_contain_text("ett mejl per akut rapport på organisationens fastigheter")
    assert sideways_overflow(page) is None
    assert_accessible(page, "admin-user-emails-390x844")
    emails.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "admin-user-emails-390x844.png"))
    context.close()

    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/owner/settings")
    page.get_by_label("Akuta händelser när de godkänts", exact=False).check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_label("Akuta händelser när de godkänts", exact=False)).to_be_checked()
    assert sideways_overflow(page) is None
    assert_accessible(page, "owner-settings-390x844")
    page.screenshot(path=str(output_dir / "owner-settings-390x844.png"))
    context.close()
    with live_app.app_context():
        assert "acute_alerts" in db.session.get(User, owner_id).email_prefs
