"""A planned round walked offline on a phone, then Natten's compliance in the morning.

The guard's phone-sized browser logs in while the server's clock says 19:40 on 2026-11-23 (the
sites data then carries tonight's rounds), goes offline, starts the shift and walks round 1 of
"Kvällsrundan" (Entré, Trapphus A, Tvättstuga): a check-in chosen on the round screen, one
skip with a reason, and a typed code on the check-in screen. Back online, the outbox empties.
The supervisor's Natten then shows round 1 completed with one skip; round 2 is "not yet
closed" at 00:30 and missed at 07:00 (the live app's clock, `set_clock`). The phone's clock is
Playwright's `page.clock`; nothing sleeps until a window closes. Screenshots of the phone's
round view and of Natten's compliance at 1366x900 and 390x844 go to /work/shots/rounds/.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import set_clock
from tests.support.app import TEST_PASSWORD
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    check_in_with_code,
    go_offline,
    go_online,
    guard_context,
    login,
    reload,
    start_shift,
    wait_until_all_sent,
)
from tests.support.rounds import local, make_route

pytestmark = pytest.mark.browser

NIGHT = date(2026, 11, 23)
SHOTS = Path("/work/shots/rounds")
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def route_checkpoints(app) -> dict:
    from patrol.db import db
    from patrol.sites.models import Property

    with app.app_context():
        first = db.session.scalar(sa.select(Property).order_by(Property.id))
        by_label = {cp.label: cp for cp in first.checkpoints}
        return {
            "property": first.name,
            "ids": [by_label[label].id for label in ("Entré", "Trapphus A", "Tvättstuga")],
            "laundry_code": by_label["Tvättstuga"].short_code,
        }


def shoot(page, name: str) -> None:
    assert_accessible(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def supervisor_page(browser, server, viewport):
    context = browser.new_context(viewport=viewport, color_scheme="dark", locale="sv-SE")
    page = context.new_page()
    page.goto(server.url + f"/review/nights/{NIGHT.isoformat()}")
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Rundor")).to_be_visible()
    return context, page


def test_a_round_walked_offline_shows_completed_with_a_skip_and_the_next_as_missed(
    browser, live_server, live_app
):
    places = route_checkpoints(live_app)
    make_route(
        live_app,
        places["ids"],
        valid_from=NIGHT,
        window=(time(19, 30), time(4, 0)),
        rounds_per_night=2,
    )
    set_clock(live_app, local(2026, 11, 23, 19, 40))

    context = guard_context(browser)
    context.clock.install(time=local(2026, 11, 23, 19, 40))
    page = context.new_page()
    login(page, live_server.url)
    rounds_card = page.locator("#rounds-card")
    expect(rounds_card).to_contain_text("Kvällsrundan")
    expect(rounds_card).to_contain_text("Runda 1")

    go_offline(context, page)
    reload(page)
    context.clock.set_system_time(local(2026, 11, 23, 19, 45))
    start_shift(page)
    expect(rounds_card).to_contain_text("0 av 3")
    expect(rounds_card.locator(".next-checkpoint")).to_contain_text("Entré")
    expect(rounds_card.locator(".next-checkpoint")).to_contain_text("Kontrollera dörr 1")

    # The round screen: start it, check in at the entrance (chosen from the list).
    rounds_card.get_by_role("link", name="Öppna rundan").click()
    expect(page.get_by_role("heading", name="Kvällsrundan")).to_be_visible()
    page.get_by_role("button", name="Starta runda").click()
    expect(page.get_by_text("Startad")).to_be_visible()
    context.clock.set_system_time(local(2026, 11, 23, 20, 0))
    next_stop = page.locator(".stop-next")
    expect(next_stop).to_contain_text("Entré")
    next_stop.get_by_role("button", name="Checka in").click()
    expect(page.locator("#round-progress")).to_have_text("1 av 3")

    # Trapphus A is locked: skipped with a reason from the list (touch-sized radio buttons).
    context.clock.set_system_time(local(2026, 11, 23, 20, 8))
    next_stop = page.locator(".stop-next")
    expect(next_stop).to_contain_text("Trapphus A")
    expect(next_stop).to_contain_text("Kontrollera dörr 2")
    next_stop.get_by_role("button", name="Hoppa över").click()
    # "Annat skäl" without words is refused on the phone, with the reason why.
    page.get_by_label("Annat skäl").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("alert")).to_have_text("Skriv skälet.")
    page.get_by_label("Låst dörr eller grind").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("#round-progress")).to_have_text("2 av 3")
    expect(page.locator(".stop-skip")).to_contain_text("Överhoppad: Låst dörr eller grind")
    expect(page.locator(".stop-next")).to_contain_text("Tvättstuga")
    shoot(page, "phone-round-390x844")

    # The laundry room by its typed code: the server resolves it at sync.
    context.clock.set_system_time(local(2026, 11, 23, 20, 15))
    page.get_by_role("link", name="Tillbaka").click()
    check_in_with_code(page, places["laundry_code"])
    expect(rounds_card).to_contain_text("2 av 3")
    expect(rounds_card).to_contain_text("+1 kontrolleras vid synk")
    expect(rounds_card).not_to_contain_text("null")
    shoot(page, "phone-home-390x844")

    expect(page.locator("#unsent")).not_to_have_attribute("data-count", "0")
    go_online(context, page)
    wait_until_all_sent(page)
    context.close()

    # 00:30: round 1 completed with one skip; round 2 still open.
    set_clock(live_app, local(2026, 11, 24, 0, 30))
    desk, page = supervisor_page(browser, live_server, DESK)
    route = page.locator(".route-night")
    expect(route.locator('[data-round="1"]')).to_have_attribute("data-status", "completed")
    expect(route.locator('[data-round="1"]')).to_contain_text("Låst dörr eller grind")
    expect(route.locator('[data-figure="skipped"]')).to_have_text("1 överhoppade")
    expect(route.locator('[data-round="2"]')).to_have_attribute("data-status", "pending")

    # 07:00: round 2's window closed with nothing reported: missed.
    set_clock(live_app, local(2026, 11, 24, 7, 0))
    page.reload()
    expect(route.locator('[data-round="2"]')).to_have_attribute("data-status", "missed")
    expect(route.locator('[data-figure="completed"]')).to_have_text("1 genomförda")
    expect(route.locator('[data-figure="missed"]')).to_have_text("1 missade")
    page.locator("#rounds").scroll_into_view_if_needed()
    page.locator("#rounds").screenshot(path=str(SHOTS / "natten-rounds-1366x900.png"))
    shoot(page, "natten-full-1366x900")
    desk.close()

    phone, page = supervisor_page(browser, live_server, PHONE)
    expect(page.locator('.route-night [data-round="2"]')).to_have_attribute("data-status", "missed")
    page.locator("#rounds").screenshot(path=str(SHOTS / "natten-rounds-390x844.png"))
    phone.close()


def test_just_nu_refreshes_itself_and_the_plans_pages_look_right(browser, live_server, live_app):
    """'Just nu' on a phone: a check-in that arrives while the page is open appears at the
    next refresh (the page's clock moved with page.clock, no sleeping), and the guard is
    flagged "ej hörd" once the server's clock is past the limit. Screenshots of Just nu, a
    route's history and the route editor."""
    from tests.support.app import Api
    from tests.support.rounds import check_in, start_shift

    places = route_checkpoints(live_app)
    route_id = make_route(live_app, places["ids"], valid_from=date(2026, 11, 16))
    set_clock(live_app, local(2026, 11, 23, 20, 0))
    guard = Api(live_app)
    assert guard.login("guard").status_code == 200
    shift_id = start_shift(guard, local(2026, 11, 23, 19, 35))

    context = browser.new_context(viewport=PHONE, color_scheme="dark", locale="sv-SE")
    context.clock.install(time=local(2026, 11, 23, 20, 0))
    page = context.new_page()
    page.goto(live_server.url + "/review/now")
    page.get_by_label("Användarnamn").fill("supervisor")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Just nu")).to_be_visible()
    # The refresh timer starts when now.js has run (a module script: before the load event).
    # Advancing the page's clock before that would move time under no timer at all, which a
    # loaded CI machine did once.
    page.wait_for_load_state("load")
    card = page.locator('[data-guard="guard"]')
    expect(card).to_contain_text("Senast hörd 20:00")
    expect(page.get_by_text("Ingen runda pågår.")).to_be_visible()

    set_clock(live_app, local(2026, 11, 23, 20, 10))
    check_in(guard, shift_id, places["ids"][0], local(2026, 11, 23, 20, 10))
    context.clock.run_for(31_000)
    expect(card).to_contain_text("Senast hörd 20:10")
    expect(card).to_contain_text("1 av 3")
    expect(card).to_contain_text("nästa: Trapphus A")
    shoot(page, "just-nu-390x844")

    set_clock(live_app, local(2026, 11, 23, 21, 11))
    context.clock.run_for(31_000)
    expect(card.locator(".not-heard")).to_have_text("ej hörd")
    context.close()

    set_clock(live_app, local(2026, 11, 24, 12, 0))
    desk = browser.new_context(viewport=DESK, color_scheme="dark", locale="sv-SE")
    page = desk.new_page()
    page.goto(live_server.url + f"/review/routes/{route_id}")
    page.get_by_label("Användarnamn").fill("admin")
    page.get_by_label("Lösenord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Kvällsrundan")).to_be_visible()
    expect(page.locator('tr[data-night="2026-11-23"]')).to_be_visible()
    shoot(page, "route-history-1366x900")
    page.goto(live_server.url + f"/admin/routes/{route_id}")
    expect(page.get_by_role("heading", name="Kvällsrundan")).to_be_visible()
    # Reordering by keyboard: focus "Ner" on the first stop and press Enter.
    first = page.locator(".stop-list li").first
    expect(first).to_contain_text("Entré")
    first.get_by_role("button", name="Flytta Entré ner").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".stop-list li").first).to_contain_text("Trapphus A")
    shoot(page, "route-editor-1366x900")
    desk.close()
