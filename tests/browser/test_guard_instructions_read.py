"""A changed instruction (post order) stays "Ny" on the guard's phone until the guard taps
"Läst", not only until it was drawn once, and the home screen says when one is new (issue 21,
point 8). Offline, as on a night in a basement; a later change on the server makes it new
again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db, utcnow
from patrol.sites.models import Checkpoint
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import guard_context, login, reload, start_shift, wait_ready

pytestmark = pytest.mark.browser


def test_an_instruction_stays_new_until_read(browser, live_server, live_app, output_dir):
    with live_app.app_context():
        point = db.session.scalar(sa.select(Checkpoint).order_by(Checkpoint.id))
        point.instructions = "Polisen först vid akut händelse."
        point.instructions_changed_at = utcnow()
        point.property.instructions = "Larmet i källaren går till Securitas."
        point.property.instructions_changed_at = utcnow()
        db.session.commit()
        token, label, property_id = point.token, point.label, point.property_id
        property_name = point.property.name
    context = guard_context(browser)
    page = context.new_page()
    login(page, live_server.url)
    start_shift(page)
    context.set_offline(True)

    card = page.locator(".instructions-card")
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name="Nya instruktioner")).to_be_visible()
    expect(card).to_contain_text("2 instruktioner är nya eller ändrade")
    expect(card).to_contain_text("Larmet i källaren går till Securitas.")
    expect(card.locator(".new-badge")).to_have_count(2)
    assert_accessible(page, "guard-home-new-instruction")
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "guard-home-new-instruction-390x844.png"))

    # Shown at check-in, and shown again: still "Ny" (drawing it is not reading it).
    for _ in range(2):
        page.goto(f"{live_server.url}/c/{token}")
        box = page.locator(".qr-card .instructions")
        expect(box).to_contain_text("Polisen först vid akut händelse.")
        expect(box.locator(".new-badge")).to_have_count(2)
    page.get_by_role("button", name=f"Läst: {label}").click()
    expect(box.locator(".new-badge")).to_have_count(1)
    expect(page.get_by_role("button", name=f"Läst: {label}")).to_have_count(0)
    page.goto(f"{live_server.url}/c/{token}")
    expect(page.locator(".qr-card .instructions .new-badge")).to_have_count(1)

    # The home screen: the one left, read there.
    page.goto(live_server.url + "/")
    wait_ready(page)
    expect(card).to_contain_text("1 instruktion är ny eller ändrad")
    expect(card).not_to_contain_text("Polisen först")
    card.get_by_role("button", name=f"Läst: {property_name}").click()
    expect(card).to_be_hidden()
    reload(page)
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
    expect(card).to_be_hidden()

    # Changed again on the server: new again at the next sites refresh.
    with live_app.app_context():
        point = db.session.get(Checkpoint, point.id)
        point.property.instructions = "Larmet går nu till Avarn."
        point.property.instructions_changed_at = utcnow() + timedelta(seconds=1)
        db.session.commit()
    assert property_id
    context.set_offline(False)
    reload(page)
    expect(card).to_contain_text("Larmet går nu till Avarn.")
    expect(card.locator(".new-badge")).to_have_count(1)
    context.close()
