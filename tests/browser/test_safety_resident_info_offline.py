"""Resident information on the phone (issue 14), offline: a plan done entrance by entrance at
390x844, Swedish, dark; everything reaches the server exactly once when the network returns,
and the supervisor's plan page shows done per entrance."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.safety.models import ResidentInfoVisit
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    go_offline,
    go_online,
    guard_context,
    login,
    reload,
    wait_for_outbox,
    wait_until_all_sent,
)
from tests.support.safety import acute_event_with_plan, assert_phone_layout

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SHOTS = "/work/shots/safety"


def entrance(page, name: str):
    return page.locator(".ri-entrance").filter(has_text=name)


def test_plan_done_entrance_by_entrance_offline(live_server, live_app, browser, output_dir):
    plan_id = acute_event_with_plan(
        live_app,
        [("Rasmusgatan 5", "Trapphus A"), ("Rasmusgatan 5", "Entré"), ("Jespersgatan 6", None)],
        ["notice", "door_knocking"],
    )
    context = guard_context(browser)
    page = context.new_page()
    login(page, live_server.url)
    card = page.locator(".resident-info-card")
    expect(card).to_contain_text("3 entréer kvar", timeout=30_000)

    go_offline(context, page)
    reload(page)
    page.get_by_role("link", name="Visa boendeinformation").click()
    expect(page.get_by_role("heading", name="Boendeinformation", exact=True)).to_be_visible()
    expect(page.locator(".ri-progress")).to_have_text("0 av 3 klara")
    assert_phone_layout(page)
    assert_accessible(page, "guard-resident-info-plan")
    page.screenshot(path=f"{SHOTS}/guard-resident-info-plan.png", full_page=True)

    # 1: a notice in the stairwell.
    stairs = entrance(page, "Rasmusgatan 5, Trapphus A")
    stairs.get_by_role("button", name="Registrera: Rasmusgatan 5, Trapphus A").click()
    stairs.get_by_label("Anslag uppsatt").check()
    assert_phone_layout(page)
    assert_accessible(page, "guard-resident-info-form")
    page.screenshot(path=f"{SHOTS}/guard-resident-info-form.png", full_page=True)
    stairs.get_by_role("button", name="Spara").click()
    expect(stairs).to_contain_text("Klar")
    expect(stairs).to_contain_text("Anslag uppsatt")
    expect(stairs.locator(".state.waiting")).to_have_text("väntar")

    # 2: door knocking, first with an impossible count (refused on the phone, nothing saved).
    door = entrance(page, "Rasmusgatan 5, Entré")
    door.get_by_role("button", name="Registrera: Rasmusgatan 5, Entré").click()
    door.get_by_label("Knackade dörrar").fill("5")
    door.get_by_label("Svarade").fill("12")
    door.get_by_role("button", name="Spara").click()
    expect(door.get_by_role("alert")).to_have_text("Fler svarade än det knackades på.")
    door.get_by_label("Knackade dörrar").fill("12")
    door.get_by_label("Svarade").fill("5")
    door.get_by_role("button", name="Spara").click()
    expect(door).to_contain_text("12 dörrar knackade, 5 svarade")
    expect(page.locator(".ri-progress")).to_have_text("2 av 3 klara")

    # The phone is reloaded offline: the plan and what was done are still there.
    reload(page)
    expect(page.locator(".ri-progress")).to_have_text("2 av 3 klara")
    whole = entrance(page, "Jespersgatan 6")
    expect(whole).to_contain_text("Inte klar")
    whole.get_by_role("button", name="Registrera: Jespersgatan 6 (hela adressen)").click()
    whole.get_by_label("Anslag uppsatt").check()
    whole.get_by_label("Knackade dörrar").fill("8")
    whole.get_by_label("Anteckning").fill("Porttelefonen trasig, in via gården.")
    whole.get_by_role("button", name="Spara").click()
    expect(page.locator(".ri-progress")).to_have_text("3 av 3 klara")
    wait_for_outbox(page, 3)
    assert_accessible(page, "guard-resident-info-done-offline")
    page.screenshot(path=f"{SHOTS}/guard-resident-info-done-offline.png", full_page=True)

    go_online(context, page)
    page.get_by_role("link", name="Tillbaka").click()
    wait_until_all_sent(page)
    with live_app.app_context():
        visits = db.session.scalars(sa.select(ResidentInfoVisit)).all()
        assert len(visits) == 3
        assert {(v.notice_posted, v.doors_knocked, v.doors_answered) for v in visits} == {
            (True, None, None),
            (False, 12, 5),
            (True, 8, None),
        }
        assert all(v.lat is not None for v in visits)  # the position when it was recorded
    expect(page.locator(".resident-info-card")).to_be_hidden()
    context.close()

    # The supervisor's plan page at a desk.
    desk = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="sv-SE", color_scheme="dark"
    )
    boss = desk.new_page()
    boss.goto(live_server.url + "/login")
    boss.get_by_label("Användarnamn").fill("supervisor")
    boss.get_by_label("Lösenord").fill(TEST_PASSWORD)
    boss.get_by_role("button", name="Logga in").click()
    boss.wait_for_url("**/review/")  # logged in before the next page is asked for
    boss.goto(f"{live_server.url}/review/resident-info/{plan_id}")
    expect(boss.locator(".page-head .lead")).to_contain_text("3 av 3 klara")
    expect(boss.locator(".entrance-status")).to_contain_text("12 dörrar knackade, 5 svarade")
    assert_accessible(boss, "review-resident-info-plan")
    boss.screenshot(path=f"{SHOTS}/review-resident-info-plan.png", full_page=True)
    desk.close()
