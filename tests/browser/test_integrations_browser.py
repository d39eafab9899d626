"""/admin/integrations in a real browser (issue 26, points 4-5), Swedish and dark, at phone
size (390x844) and at a desk (1280x800): an admin makes a token and sees it once, adds a
webhook and sees its secret once, and the webhook's delivery log sends a failed delivery again
with "Skicka igen". Screenshots of each; no sideways scrolling; no serious axe finding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.integrations.models import WebhookSubscription
from patrol.nights import TIME_ZONE_NAME
from patrol.outbox import drain_until_idle
from patrol.webhooks.deliveries import DRAIN, enqueue
from tests.support.desk_browser import assert_accessible, log_in, set_theme, sideways_overflow
from tests.support.receiver import WebhookReceiver

pytestmark = pytest.mark.browser

SHOTS = Path("/work/shots/integrations")


def shoot(page, output_dir, name: str) -> None:
    path = output_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS.parent.is_dir():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desk"])
def test_tokens_and_webhooks_on_the_admin_page(browser, live_server, live_app, output_dir, size):
    base = live_server.url
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="sv-SE",
        color_scheme="dark",
        timezone_id=TIME_ZONE_NAME,
    )
    page = context.new_page()
    set_theme(page, base, "dark")
    log_in(page, base, "admin")
    page.goto(base + "/admin/")
    page.get_by_role("link", name="Integrationer").click()
    expect(page.get_by_role("heading", name="Integrationer", level=1)).to_be_visible()
    expect(page.get_by_text("Inga nycklar ännu.")).to_be_visible()

    form = page.locator("#token-form")
    form.get_by_label("Namn").fill("MKB:s underhållssystem")
    form.get_by_label("Ägare").select_option(index=1)
    form.locator('input[value="work-orders:read"]').check()
    form.locator('input[value="work-orders:write"]').check()
    page.screenshot(path=str(output_dir / f"integrations-form-{width}.png"), full_page=True)
    form.get_by_role("button", name="Skapa nyckel").click()
    token = page.locator("#token-text")
    expect(token).to_contain_text("np_")
    text = token.inner_text()
    assert sideways_overflow(page) is None, sideways_overflow(page)
    shoot(page, output_dir, f"integrations-token-shown-once-{width}")

    receiver = WebhookReceiver(secret="").start()
    try:
        hook = page.locator("#webhook-form")
        hook.get_by_label("Namn").fill("Driftcentralens larmsystem")
        hook.get_by_label("Adress (URL)").fill(receiver.url)
        hook.locator('input[value="alarm.raised"]').check()
        hook.locator('input[value="report.approved"]').check()
        hook.get_by_role("button", name="Lägg till webhook").click()
        receiver.secret = page.locator("#secret-text").inner_text()
        assert receiver.secret.startswith("whsec_")
        page.goto(base + "/admin/integrations/")
        listing = page.content()
        assert text not in listing and receiver.secret not in listing
        expect(page.get_by_text("MKB:s underhållssystem")).to_be_visible()
        assert sideways_overflow(page) is None, sideways_overflow(page)
        assert_accessible(page, f"integrations-{width}")
        shoot(page, output_dir, f"integrations-list-{width}")

        # A delivery the receiver refuses for good, then "Skicka igen".
        receiver.script.append(410)
        with live_app.app_context():
            subscription = db.session.scalar(sa.select(WebhookSubscription))
            enqueue(
                f"subscription:{subscription.id}",
                subscription.url,
                "alarm.raised",
                {"id": "5c1d8e7a-9a0b-4f33-8c2e-7d6a5b4c3d2e", "kind": "sos"},
            )
            db.session.commit()
            drain_until_idle(DRAIN)
        page.get_by_role("link", name="Driftcentralens larmsystem").click()
        expect(page.get_by_text("HTTP 410")).to_be_visible()
        assert sideways_overflow(page) is None, sideways_overflow(page)
        assert_accessible(page, f"integrations-log-{width}")
        shoot(page, output_dir, f"integrations-delivery-log-{width}")
        page.get_by_role("button", name="Skicka igen").click()
        expect(page.get_by_text("Leveransen är köad igen.")).to_be_visible()
        with live_app.app_context():
            drain_until_idle(DRAIN)
        page.reload()
        expect(page.locator(".badge.ok", has_text="levererad")).to_be_visible()
        shoot(page, output_dir, f"integrations-delivery-sent-{width}")
        assert [r.status for r in receiver.requests] == [410, 200]
        assert all(r.signature_ok for r in receiver.requests)
    finally:
        receiver.stop()
    context.close()
