"""The SOS on the guard's phone, from the press to the acknowledgement (issue 10, points 1-3):
unmissable at the top of every screen, kept across reloads, with "Ring 112" and "Ring
arbetsledaren", honest about who was alerted, and "Kvitterat av <namn> 02:14" as soon as the
phone hears of it. The SOS button is never below the fold of a 390×844 screen."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.auth.models import User
from patrol.db import db, utcnow
from patrol.push.models import Dispatch, SosAlert
from patrol.sites.models import Property
from tests.support.desk_browser import assert_accessible
from tests.support.guard_browser import (
    PHONE,
    go_offline,
    go_online,
    guard_context,
    login,
    reload,
    start_shift,
    wait_for_outbox,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

DUTY_PHONE = "+46 40-123 45 67"


def press_sos(page) -> None:
    """Tap, confirm, let the 5 s countdown run out."""
    page.get_by_role("button", name="SOS", exact=True).click()
    page.get_by_role("button", name="Ja, skicka SOS").click()
    expect(page.get_by_text("SOS skickas om")).to_be_visible()


def test_pending_sos_stays_on_top_until_acknowledged_and_closed(
    live_server, live_app, browser, output_dir
):
    live_app.config["DUTY_PHONE"] = DUTY_PHONE
    context = guard_context(browser)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        go_offline(context, page)
        press_sos(page)
        banner = page.locator("#sos-banner")
        expect(banner).to_contain_text("SOS väntar på nät", timeout=15_000)
        expect(banner).to_contain_text("tryckt")
        expect(banner.get_by_role("link", name="Ring 112")).to_have_attribute("href", "tel:112")
        expect(banner.get_by_role("link", name="Ring arbetsledaren")).to_have_attribute(
            "href", "tel:+46401234567"
        )
        assert_accessible(page, "sos-pending-offline-390")
        page.screenshot(path=str(output_dir / "sos-pending-offline-390.png"))

        # A reload, offline: still there, and on every screen, and in the log.
        reload(page)
        expect(banner).to_contain_text("SOS väntar på nät")
        page.get_by_role("link", name="Nattens logg").click()
        expect(page.locator("#sos-banner")).to_be_visible()
        expect(page.locator(".log-item[data-kind='sos']")).to_contain_text("SOS")
        assert_accessible(page, "sos-pending-log-390")
        page.screenshot(path=str(output_dir / "sos-pending-log-390.png"))

        # Back online: the server has it; no supervisor has push, and the phone says so.
        go_online(context, page)
        expect(banner).to_contain_text("ingen arbetsledare har aviseringar på", timeout=30_000)
        expect(banner).not_to_contain_text("larmad")
        assert_accessible(page, "sos-received-no-push-390")
        page.screenshot(path=str(output_dir / "sos-received-no-push-390.png"))

        # The supervisor acknowledges it: within one poll (15 s) the phone shows who and when.
        with live_app.app_context():
            supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
            alert = db.session.scalar(sa.select(SosAlert))
            alert.acknowledged_at = utcnow()
            alert.acknowledged_by_id = supervisor.id
            db.session.commit()
            name = supervisor.display_name
        expect(banner).to_contain_text(f"Kvitterat av {name}", timeout=40_000)
        expect(banner.get_by_role("link", name="Ring 112")).to_have_count(0)
        assert_accessible(page, "sos-acknowledged-390")
        page.screenshot(path=str(output_dir / "sos-acknowledged-390.png"))

        banner.get_by_role("button", name="Stäng").click()
        expect(banner).to_be_hidden()
        reload(page)
        expect(page.locator("#sos-banner")).to_be_hidden()
    finally:
        context.close()


def sos_bottom(page) -> float:
    """The lowest edge of what the guard needs for an SOS now, with the page not scrolled."""
    return page.evaluate(
        """() => {
            window.scrollTo(0, 0);
            const parts = [...document.querySelectorAll(
                ".sos-button:not([hidden]), .sos-confirm:not([hidden]) button, #sos-banner:not([hidden]) a")];
            return Math.max(...parts.map((el) => el.getBoundingClientRect().bottom));
        }"""
    )


def test_sos_button_and_waiting_extra_round_are_above_the_fold_in_every_state(
    live_server, live_app, browser, output_dir
):
    context = guard_context(browser)
    page = context.new_page()

    def check(state: str) -> None:
        assert sos_bottom(page) <= PHONE["height"], state
        assert_accessible(page, "-390")
        page.screenshot(path=str(output_dir / f"sos-reach-{state}-390.png"))

    try:
        login(page, live_server.url)
        check("no-shift")
        start_shift(page)
        check("shift-running")

        with live_app.app_context():
            supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
            guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
            prop = db.session.scalar(sa.select(Property).order_by(Property.id))
            db.session.add(
                Dispatch(
                    id=uuid.uuid4(),
                    created_by_id=supervisor.id,
                    property_id=prop.id,
                    message="Kontrollera porten.",
                    guard_ids=[guard.id],
                )
            )
            db.session.commit()
            prop_name = prop.name
        page.get_by_role("button", name="Skicka nu").click()
        flag = page.locator(".dispatch-flag")
        expect(flag).to_contain_text(f"Extra runda väntar: {prop_name}", timeout=30_000)
        # Flagged at the top. Measured inside the page, on whichever flag is there at that
        # moment: the home screen re-renders as each list arrives, so a handle can go stale.
        page.wait_for_function(
            """() => {
                window.scrollTo(0, 0);
                const flag = document.querySelector(".dispatch-flag");
                return flag !== null && flag.getBoundingClientRect().top < 300;
            }""",
            timeout=10_000,
        )
        check("extra-round-waiting")

        go_offline(context, page)
        reload(page)
        check("offline")
        page.get_by_role("button", name="SOS", exact=True).click()
        check("confirm")
        page.get_by_role("button", name="Ja, skicka SOS").click()
        expect(page.get_by_text("SOS skickas om")).to_be_visible()
        check("countdown")
        expect(page.locator("#sos-banner")).to_contain_text("SOS väntar på nät", timeout=15_000)
        wait_for_outbox(page, 1)
        check("pending")
    finally:
        context.close()
