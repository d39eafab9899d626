"""The guard's phone and the desk, in Chromium (issue 23, points 6 and 5): a "Hot eller våld"
report written offline with its details reaches /review/incidents; a drill started at
/review/drills shows "Övningslarm" on the phone (without push: the app asks when it opens),
and the guard's "Jag är OK" reaches the desk. Screenshots at 390x844, Swedish, dark."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.drills.models import Drill
from patrol.nights import TIME_ZONE_NAME
from patrol.reports.models import IncidentDetails
from tests.support.desk_browser import log_in, set_theme
from tests.support.guard_browser import (
    PHONE,
    go_offline,
    go_online,
    guard_context,
    login,
    open_report,
    reload,
    start_shift,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHOTS = Path("/work/shots/incidents") if Path("/work/shots").is_dir() else Path("test-output")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_incident_offline_and_a_drill_answered_reach_the_desk(browser, live_server, live_app):
    base = live_server.url
    context = guard_context(browser)
    page = context.new_page()
    login(page, base)
    start_shift(page)

    # Offline, like every report: "Hot eller våld" with its details.
    go_offline(context, page)
    open_report(page)
    page.get_by_label("Fastighet").select_option(label="Jespersgatan 6")
    page.get_by_label("Kategori").select_option(label="Hot eller våld")
    expect(page.get_by_role("heading", name="Hot eller våld")).to_be_visible()
    page.locator("#incident-exposed-guard").check()
    page.locator("#incident-witnesses-resident").check()
    page.get_by_label("Skador").fill("Blåmärke på armen")
    page.get_by_label("Polisanmälans nummer (om det finns)").fill("5000-K1-26")
    page.get_by_label("Akut allvarlig händelse", exact=True).check()
    page.get_by_label("Vad hände?").fill("En man hotade väktaren i trapphuset.")
    shot(page, "phone-incident-form")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", name="Nattpass")).to_be_visible()
    go_online(context, page)
    wait_until_all_sent(page)
    with live_app.app_context():
        (details,) = db.session.scalars(sa.select(IncidentDetails)).all()
        assert details.exposed_roles == ["guard"] and details.witness_roles == ["resident"]
        assert details.injuries == "Blåmärke på armen"

    # The desk: the incident, then a drill for the guard.
    desk_context = browser.new_context(
        viewport=PHONE, locale="sv-SE", color_scheme="dark", timezone_id=TIME_ZONE_NAME
    )
    desk = desk_context.new_page()
    set_theme(desk, base, "dark")
    log_in(desk, base)
    desk.goto(base + "/review/incidents")
    expect(desk.locator(".incident-table")).to_contain_text("5000-K1-26")
    shot(desk, "desk-incidents")
    desk.locator(".incident-table a").first.click()
    expect(desk.locator("#incident-facts")).to_contain_text("Blåmärke på armen")
    desk.get_by_label("Åtgärder").fill("Dubbelbemanning i trapphuset en månad.")
    desk.get_by_role("button", name="Spara och avsluta").click()
    expect(desk.locator("#follow-up")).to_contain_text("Avslutad")
    shot(desk, "desk-incident-follow-up")
    desk.goto(base + "/review/drills")
    desk.get_by_role("button", name="Skicka övningslarm").click()
    expect(desk.locator(".drill-table")).to_contain_text("inte besvarat")

    # The phone has no push here: it asks when the app opens.
    reload(page)
    alarm = page.locator("#drill-alarm")
    expect(alarm).to_be_visible()
    expect(alarm.get_by_role("heading", name="Övningslarm")).to_be_visible()
    shot(page, "phone-drill")
    alarm.get_by_role("button", name="Jag är OK").click()
    expect(alarm).to_be_hidden()
    wait_until_all_sent(page)
    with live_app.app_context():
        (drill,) = db.session.scalars(sa.select(Drill)).all()
        assert drill.seen_at is not None and drill.answered_at is not None
        assert drill.seen_at <= drill.answered_at
    desk.reload()
    row = desk.locator(".drill-table tr.drill.answered")
    expect(row).to_have_count(1)
    shot(desk, "desk-drills")
    desk_context.close()
    context.close()
