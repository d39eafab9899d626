"""The supervisor's alert page (/push/alerts): open SOS alerts at the top until acknowledged,
"Aktivera aviseringar", the extra-round form and tonight's acute reports. Screenshots at desk
and phone size in test-output/."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.push.models import SosAlert
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible

pytestmark = pytest.mark.browser


def test_open_sos_on_top_until_acknowledged(browser, live_server, live_app, output_dir):
    with live_app.app_context():
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        sos_id = uuid.uuid4()
        db.session.add(
            SosAlert(
                id=sos_id,
                guard_id=guard.id,
                occurred_at=utcnow() - timedelta(minutes=1),
                lat=55.58712,
                lon=13.01471,
                accuracy_m=9,
            )
        )
        db.session.commit()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/review/")  # the login page is loaded already: wait for where it went
    page.goto(live_server.url + "/push/alerts")

    alert = page.locator(f"#sos-{sos_id}")
    assert alert.is_visible()
    first_heading = page.locator("main h1, main h2").first
    assert "SOS" in first_heading.inner_text()
    assert "55.58712, 13.01471" in alert.inner_text()
    page.get_by_role("button", name="Aktivera aviseringar").wait_for()
    assert page.get_by_label("Fastighet").is_visible()
    assert page.get_by_role("button", name="Skicka extra runda").is_visible()
    assert_accessible(page, "push-alerts-1280")
    page.screenshot(path=str(output_dir / "push-alerts-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page, "push-alerts-390")
    page.screenshot(path=str(output_dir / "push-alerts-390.png"), full_page=True)

    with page.expect_navigation():
        alert.get_by_role("button", name="Kvittera").click()
    assert page.url == live_server.url + "/push/alerts", page.content()[:2000]
    assert page.locator(f"#sos-{sos_id}").count() == 0
    with live_app.app_context():
        row = db.session.get(SosAlert, sos_id)
        assert row.acknowledged_at is not None and row.acknowledged_by.username == "supervisor"
    context.close()


IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_iphone_in_the_browser_is_told_to_add_to_home_screen(browser, live_server, output_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=IPHONE_SAFARI)
    page = context.new_page()
    page.goto(live_server.url + "/login?next=/push/alerts")
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # The login's own redirect (?next=), rather than a goto that could cut the POST short.
    page.wait_for_url("**/push/alerts")
    status = page.locator(".push-status")
    status.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.push-status').textContent.includes('hemskärmen')"
    )
    assert "lägg först till appen på hemskärmen" in status.inner_text()
    assert page.get_by_role("button", name="Aktivera aviseringar").count() == 0
    page.locator("#notifications").screenshot(path=str(output_dir / "push-iphone-message-390.png"))
    context.close()
