"""One rule for positions (issue 8 defect 1, issue 10 point 12): a record is saved at once,
never after waiting for the phone's position. Its outbox entry waits, marked, until the
position comes or a short time has passed; the sync engine skips it meanwhile; adding the
position and removing the mark is one IndexedDB transaction.

The phone's position is played by a stand-in for navigator.geolocation (an init script): it
answers only when the test says so, or never, as in a cellar or behind a permission prompt
that nobody answers. Headless Chromium's own geolocation answers at once, so it cannot show
what a slow position does."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.db import db
from patrol.push.models import Dispatch, DispatchResponse
from patrol.shifts.models import CheckIn
from tests.support.guard_browser import (
    guard_context,
    idb_value,
    login,
    outbox_entries,
    poll,
    start_shift,
    wait_ready,
    wait_until_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

# navigator.geolocation that keeps every request until window.__givePosition(coords) is
# called (never, unless the test calls it).
HELD_POSITION = """
(() => {
  const waiting = [];
  const geolocation = {
    getCurrentPosition(success) { waiting.push(success); },
    watchPosition() { return 0; },
    clearWatch() {},
  };
  Object.defineProperty(Navigator.prototype, "geolocation", { get: () => geolocation, configurable: true });
  window.__positionRequests = () => waiting.length;
  window.__givePosition = (coords) => {
    for (const success of waiting.splice(0)) success({ coords, timestamp: Date.now() });
  };
})();
"""


def wait_for_server(what, predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if predicate(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def responses_for(live_app, dispatch_id) -> list[str]:
    with live_app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(DispatchResponse.action).where(
                    DispatchResponse.dispatch_id == dispatch_id
                )
            ).all()
        )


def make_dispatch(live_app) -> tuple[uuid.UUID, str]:
    from patrol.auth.models import User
    from patrol.sites.models import Property

    with live_app.app_context():
        supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
        guard = db.session.scalar(sa.select(User).where(User.username == "guard"))
        prop = db.session.scalar(sa.select(Property).order_by(Property.id))
        dispatch = Dispatch(
            id=uuid.uuid4(),
            created_by_id=supervisor.id,
            property_id=prop.id,
            message="Kontrollera källardörren.",
            guard_ids=[guard.id],
        )
        db.session.add(dispatch)
        db.session.commit()
        return dispatch.id, prop.name


def test_extra_round_answer_reaches_the_server_once_after_a_reload_right_after_the_tap(
    live_server, live_app, browser
):
    """Issue 8, defect 1: the answer and the local "acknowledged" state are one transaction.
    The page is reloaded as soon as the phone shows the task as answered (its local state is
    written), while the position is still being looked for; the answer still reaches the
    server, exactly once. Two taps queue one answer."""
    context = guard_context(browser)
    context.add_init_script(HELD_POSITION)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        dispatch_id, _ = make_dispatch(live_app)
        page.get_by_role("button", name="Skicka nu").click()
        task = page.locator(f"#dispatch-{dispatch_id}")
        task.wait_for(timeout=30_000)

        # Two taps in a row (a nervous thumb): the button is off after the first.
        task.get_by_role("button", name="Kvittera").evaluate("b => { b.click(); b.click(); }")
        poll(
            page,
            """async (id) => {
                const { getValue } = await import("/static/js/db.js");
                const done = (await getValue("dispatchResponses")) || {};
                return Boolean(done[id] && done[id].acknowledged);
            }""",
            str(dispatch_id),
            what="the answer saved on the phone",
        )
        page.reload()
        wait_ready(page)
        expect(page.locator(f"#dispatch-{dispatch_id}").get_by_text("Kvitterad")).to_be_visible()
        entries = [e for e in outbox_entries(page) if e["kind"] == "dispatch_response"]
        assert len(entries) <= 1  # one tap, one answer (it may already be on its way)

        # No position ever comes: after the short wait the answer goes without one.
        arrived = wait_for_server(lambda: responses_for(live_app, dispatch_id), bool, 60)
        assert arrived == ["acknowledged"]
        wait_until_all_sent(page)
        assert responses_for(live_app, dispatch_id) == ["acknowledged"]
        assert idb_value(page, "dispatchResponses")[str(dispatch_id)]["acknowledged"]
    finally:
        context.close()


def test_checkin_is_saved_at_once_and_gets_its_position_before_it_is_sent(
    live_server, live_app, browser
):
    """Issue 10, point 12: "Checka in" returns at once while the position is still being
    looked for. The entry waits, marked, and is not sent (the phone is online); when the
    position comes it is added in the same transaction that lifts the mark, and only then
    does the check-in go, with the position."""
    context = guard_context(browser)
    context.add_init_script(HELD_POSITION)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        wait_until_all_sent(page)
        page.get_by_role("link", name="Checka in").click()
        page.get_by_label("Kod").fill("S101")
        page.locator("#code-form").get_by_role("button", name="Checka in").click()
        # Back on the home screen long before geo.js's 10 s limit.
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible(timeout=5_000)
        [entry] = [e for e in outbox_entries(page) if e["kind"] == "checkin"]
        assert entry["body"]["lat"] is None
        marked = page.evaluate(
            """async () => {
                const { list } = await import("/static/js/outbox.js");
                return (await list()).filter((e) => e.kind === "checkin").map((e) => e.positionDue);
            }"""
        )
        assert marked and marked[0] > 0
        # Online, yet a sync pass leaves it alone while it waits for its position.
        page.evaluate("async () => (await import('/static/js/sync.js')).sendNow()")
        with live_app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0

        page.evaluate(
            "() => window.__givePosition({latitude: 55.5937, longitude: 13.0101, accuracy: 7})"
        )
        wait_until_all_sent(page)
        with live_app.app_context():
            checkin = db.session.scalar(sa.select(CheckIn))
            assert checkin.lat == pytest.approx(55.5937) and checkin.accuracy_m == pytest.approx(7)
    finally:
        context.close()


def test_report_without_any_position_goes_once_the_wait_is_over(live_server, live_app, browser):
    """No position ever comes (a cellar): the report is saved at once and sent without a
    position once the wait is over."""
    from patrol.reports.models import Report

    context = guard_context(browser)
    context.add_init_script(HELD_POSITION)
    page = context.new_page()
    try:
        login(page, live_server.url)
        start_shift(page)
        page.get_by_role("link", name="Rapportera").click()
        page.get_by_label("Fastighet").select_option(index=1)
        page.get_by_label("Kategori").select_option(label="Klotter")
        page.get_by_label("Förebyggande", exact=True).check()
        page.get_by_role("button", name="Spara").click()
        expect(page.get_by_role("heading", name="Nattpass")).to_be_visible(timeout=5_000)
        wait_until_all_sent(page)
        with live_app.app_context():
            report = db.session.scalar(sa.select(Report))
            assert report is not None and report.lat is None
    finally:
        context.close()
