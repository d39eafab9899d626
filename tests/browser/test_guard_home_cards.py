"""The home screen's cards of tonight's rounds, resident information and safety walks, online and
offline after a reload, at 390x844, Swedish, dark. Their modules load once the home screen is
ready (home-cards.js, to keep the home screen's start within bench/client.py's budget): the cards
must still appear, in their order, and their arrival must never move the SOS button, which
stays at the top, above the fold. Screenshots go to test-output/."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import expect

from patrol.db import set_clock
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    PHONE,
    go_offline,
    guard_context,
    login,
    reload,
    start_shift,
    wait_ready,
)
from tests.support.rounds import demo_checkpoints, local, make_route
from tests.support.safety import acute_event_with_plan, plan_walk_directly

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

NIGHT = date(2026, 11, 23)

# After every change to the page (the cards arriving and filling in are changes), where the SOS
# button's top edge was. A MutationObserver, not timers: the page's clock is Playwright's.
WATCH_SOS = """
(() => {
  window.__sosTops = [];
  new MutationObserver(() => {
    const button = document.querySelector(".sos-button");
    if (button) window.__sosTops.push(Math.round(button.getBoundingClientRect().top));
  }).observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
})();
"""


def expect_cards(page) -> None:
    expect(page.locator("#rounds-card")).to_contain_text("Kvällsrundan", timeout=15_000)
    expect(page.locator(".resident-info-card")).to_contain_text("2 entréer kvar")
    expect(page.locator(".walk-card").get_by_role("link")).to_have_count(1)
    order = page.evaluate(
        """() => [...document.querySelectorAll('#home-extra > section:not([hidden])')]
              .map((s) => s.className)"""
    )
    cards = [c for c in order if c.split()[1] in ("rounds-card", "resident-info-card", "walk-card")]
    assert [c.split()[1] for c in cards] == ["rounds-card", "resident-info-card", "walk-card"], (
        order
    )


def expect_sos_still(page, state: str) -> None:
    """Called once the cards are there: the SOS button never moved while they arrived."""
    tops = page.evaluate("() => window.__sosTops")
    assert tops, f"{state}: no SOS button seen"
    assert len(set(tops)) == 1, (
        f"{state}: the SOS button moved as the home screen filled in: {tops}"
    )
    bottom = page.evaluate(
        "() => document.querySelector('.sos-button').getBoundingClientRect().bottom"
    )
    assert bottom <= PHONE["height"], f"{state}: SOS button below the fold ({bottom}px)"


def test_home_cards_appear_online_and_offline_without_moving_the_sos_button(
    live_server, live_app, browser, output_dir
):
    set_clock(live_app, local(2026, 11, 23, 19, 40))
    checkpoints = [c["id"] for c in demo_checkpoints(live_app)]
    make_route(live_app, checkpoints, valid_from=NIGHT, window=(time(19, 30), time(4, 0)))
    acute_event_with_plan(
        live_app, [("Rasmusgatan 5", "Entré"), ("Jespersgatan 6", None)], ["notice"]
    )
    plan_walk_directly(live_app, NIGHT)

    context = guard_context(browser)
    context.clock.install(time=local(2026, 11, 23, 19, 40))
    context.add_init_script(WATCH_SOS)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        reload(page)
        wait_ready(page)
        expect_cards(page)
        expect_sos_still(page, "online")
        assert_accessible(page, "guard-home-cards-online")
        page.screenshot(path=str(output_dir / "guard-home-cards-online.png"), full_page=True)

        go_offline(context, page)
        reload(page)
        wait_ready(page)
        expect_cards(page)
        expect_sos_still(page, "offline")
        assert_accessible(page, "guard-home-cards-offline")
        page.screenshot(path=str(output_dir / "guard-home-cards-offline.png"), full_page=True)
        assert_accessible(page, "guard-home-cards-offline-fold")
        page.screenshot(path=str(output_dir / "guard-home-cards-offline-fold.png"))
    finally:
        context.close()
